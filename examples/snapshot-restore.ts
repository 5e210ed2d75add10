/**
 * Writes a workspace, snapshots it, changes it, restores the snapshot into a new sandbox and
 * shows both states. The ref is passed through JSON, as it would be when stored in a database.
 * Then the same flow runs on Modal, restoring a CPU sandbox's snapshot onto a GPU sandbox
 * (`restore(ref, { gpu })`): on real Modal with MODAL_TOKEN_ID/MODAL_TOKEN_SECRET, otherwise
 * (or with --emulator) on the offline emulator.
 *
 * Run: pnpm --filter @openlattice/examples run snapshot-restore [--emulator]
 */
import { openSandbox, parseSnapshotRef, restoreSandbox } from "@openlattice/core";
import { LocalProvider } from "@openlattice/local";
import { parseFlags } from "./lib/args.js";
import { modalTarget } from "./lib/modal-target.js";
import { step } from "./lib/print.js";

const values = parseFlags("snapshot-restore [--emulator]", { emulator: { type: "boolean", default: false } });

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

// The same flow on Modal, restoring onto a GPU sandbox.
const modal = await modalTarget(values.emulator);
try {
  await using cpu = await openSandbox(modal.provider, { labels: { example: "snapshot-restore" } });
  await cpu.files.write("model/weights.txt", "trained on CPU\n");
  const ref = parseSnapshotRef(JSON.stringify(await cpu.snapshot()));
  step(`Modal${modal.emulator ? " (emulator)" : ""}: snapshot ${ref.externalId} of CPU sandbox ${cpu.id}`);
  await using gpu = await restoreSandbox(modal.provider, ref, { gpu: { type: "A100", count: 1 } });
  const info = await gpu.inspect();
  step(
    `restored onto ${gpu.id} with ${info.resources?.gpu?.type ?? "no"} GPU x ${info.resources?.gpu?.count ?? 0}: ` +
      JSON.stringify(await gpu.files.readText("model/weights.txt")),
  );
} finally {
  await modal.close();
}
