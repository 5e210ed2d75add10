// The README's usage snippet, verbatim below this header: type-checked with the examples, and
// test/readme-snippet.test.ts fails when the two differ.
import { openSandbox } from "@openlattice/core";
import { LocalProvider } from "@openlattice/local"; // or: new ModalProvider() from @openlattice/modal

await using sandbox = await openSandbox(new LocalProvider(), {
  resources: { cpu: 1, memoryMiB: 512 },
  duration: { maxSeconds: 300 },
});
const run = await sandbox.exec(["sh", "-c", "echo $((6 * 7))"], {
  timeoutMs: 10_000,
  onStdout: (chunk) => process.stdout.write(chunk),
});
await sandbox.files.write("result.txt", run.stdout);
