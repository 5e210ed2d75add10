import { test } from "vitest";
import { providerFor, startTestEmulator } from "../support/fixture.js";

test("dd via emulator, concurrent", async () => {
  const emulator = await startTestEmulator({ recordPayloads: false });
  const provider = providerFor(emulator);
  const id = (await provider.provision({})).externalId;
  try {
    await provider.exec(id, ["sh", "-c", "head -c 67108864 /dev/urandom > /workspace/f.bin"]);
    let short = 0;
    for (let round = 0; round < 30; round++) {
      const runs = [0, 1].map(async (k) => {
        let n = 0;
        const r = await provider.exec(
          id,
          [
            "sh",
            "-c",
            'dd if=/workspace/f.bin bs=65536 skip=$0 count=128 2>/tmp/dd.$0.err; echo "rc=$?" >&2; cat /tmp/dd.$0.err >&2',
            String(((round * 2 + k) % 8) * 128),
          ],
          {
            maxOutputBytes: 4096,
            onStdoutBytes: (c) => {
              n += c.byteLength;
            },
          },
        );
        return { n, code: r.exitCode, err: r.stderr.replace(/\n/g, " | ") };
      });
      for (const x of await Promise.all(runs))
        if (x.n !== 8388608) {
          short++;
          console.log("short", round, JSON.stringify(x));
        }
    }
    console.log("short total", short);
  } finally {
    await provider.destroy(id);
    await emulator.close();
  }
}, 600_000);
