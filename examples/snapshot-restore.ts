/**
 * Writes a workspace, snapshots it, changes it, restores the snapshot into a new sandbox and
 * shows both states. The ref is passed through JSON, as it would be when stored in a database.
 * With --modal (and MODAL_TOKEN_ID/MODAL_TOKEN_SECRET set, or --emulator) the snapshot is then
 * restored onto a Modal GPU sandbox instead.
 *
 * Run: pnpm --filter @openlattice/examples run snapshot-restore
 */
import { openSandbox, parseSnapshotRef, restoreSandbox } from "@openlattice/core";
import { LocalProvider } from "@openlattice/local";
import { step } from "./lib/print.js";

const provider = new LocalProvider();
await using original = await openSandbox(provider, { labels: { example: "snapshot-restore" } });
await original.files.mkdir("project/src");
await original.files.write("project/src/main.py", "print('version 1')\n");
await original.files.write("project/data.bin", new Uint8Array([0, 1, 2, 253, 254, 255]));
step(`original ${original.id}: wrote project/src/main.py (version 1) and 6 binary bytes`);

const stored = JSON.stringify(await original.snapshot());
step(`snapshot ref stored as JSON: ${stored}`);

await original.files.write("project/src/main.py", "print('version 2')\n");
await original.files.remove("project/data.bin");
step("original changed: main.py is version 2, data.bin removed");

await using restored = await restoreSandbox(provider, parseSnapshotRef(stored));
const show = async (name: string, sandbox: typeof original) => {
  const listing = await sandbox.exec(["sh", "-c", "cat project/src/main.py; ls project"]);
  step(`${name} (${sandbox.id}): ${JSON.stringify(listing.stdout)}`);
};
await show("original", original);
await show("restored", restored);
const bytes = await restored.files.read("project/data.bin");
step(`restored data.bin bytes: [${Array.from(bytes).join(", ")}]`);
