import { test } from "vitest";
import { testBackend } from "../support/fixture.js";

test("backend dd output completeness", async () => {
  const backend = await testBackend();
  const node = await backend.provision({});
  const id = node.externalId;
  try {
    await backend.exec(id, ["sh", "-c", "head -c 67108864 /dev/urandom > /workspace/f.bin"]);
    let short = 0,
      late = 0;
    for (let round = 0; round < 40; round++) {
      const runs = [0, 1].map(async (k) => {
        let n = 0;
        let done = false;
        let after = 0;
        const r = await backend.exec(
          id,
          ["dd", "if=/workspace/f.bin", "bs=65536", `skip=${((round * 2 + k) % 8) * 128}`, "count=128"],
          {
            maxOutputBytes: 0,
            onStdoutBytes: (c) => {
              n += c.byteLength;
              if (done) after += c.byteLength;
            },
          },
        );
        done = true;
        const atResolve = n;
        await new Promise((r) => setTimeout(r, 200));
        return { atResolve, n, after, code: r.exitCode };
      });
      for (const x of await Promise.all(runs)) {
        if (x.atResolve !== 8388608) {
          short++;
          console.log("short", round, JSON.stringify(x));
        }
        if (x.after) late++;
      }
    }
    console.log("short", short, "late", late);
  } finally {
    await backend.destroy(id);
  }
}, 300_000);
