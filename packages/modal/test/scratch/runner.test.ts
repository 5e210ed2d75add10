import { test } from "vitest";
import { backendExecRunner } from "../../src/emulator/backend-exec.js";
import { OutputBuffer } from "../../src/emulator/output-buffer.js";
import { StdinQueue } from "../../src/emulator/stdin-queue.js";
import { testBackend } from "../support/fixture.js";

test("backend runner bytes", async () => {
  const backend = await testBackend();
  const id = (await backend.provision({})).externalId;
  try {
    await backend.exec(id, ["sh", "-c", "head -c 67108864 /dev/urandom > /workspace/f.bin"]);
    let short = 0;
    for (let round = 0; round < 30; round++) {
      const runs = [0, 1].map(async (k) => {
        const stdin = new StdinQueue();
        const stdout = new OutputBuffer();
        const stderr = new OutputBuffer();
        const runner = backendExecRunner(backend, id, {
          execId: `e${round}-${k}-${Math.random()}`,
          argv: ["dd", "if=/workspace/f.bin", "bs=65536", `skip=${((round * 2 + k) % 8) * 128}`, "count=128"],
          env: {},
          stdoutPiped: true,
          stderrPiped: true,
        });
        const p = runner({ stdin, stdout, stderr });
        stdin.write(0, undefined, true);
        const exit = await p;
        return { n: stdout.length, exit };
      });
      for (const x of await Promise.all(runs))
        if (x.n !== 8388608) {
          short++;
          console.log("short", round, JSON.stringify(x));
        }
    }
    console.log("short total", short);
  } finally {
    await backend.destroy(id);
  }
}, 600_000);
