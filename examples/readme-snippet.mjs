// The README's plain-JavaScript snippet, verbatim below this header: run with plain `node` on
// every supported Node by test/readme-snippet.test.ts, which also fails when the two differ.
import { openSandbox } from "@openlattice/core";
import { LocalProvider } from "@openlattice/local";

const sandbox = await openSandbox(new LocalProvider(), {
  resources: { cpu: 1, memoryMiB: 512 },
  duration: { maxSeconds: 300 },
});
try {
  const run = await sandbox.exec(["sh", "-c", "echo $((6 * 7))"], {
    timeoutMs: 10_000,
    onStdout: (chunk) => process.stdout.write(chunk),
  });
  await sandbox.files.write("result.txt", run.stdout);
} finally {
  await sandbox.destroy();
}
