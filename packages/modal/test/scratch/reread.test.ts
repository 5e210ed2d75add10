import { test } from "vitest";
import { providerFor, startTestEmulator } from "../support/fixture.js";

test("reconnects during windowed reads", async () => {
  const emulator = await startTestEmulator({ recordPayloads: false });
  const provider = providerFor(emulator);
  const id = (await provider.provision({})).externalId;
  try {
    await provider.exec(id, ["sh", "-c", "head -c 268435456 /dev/urandom > /workspace/f.bin"]);
    const fsx = provider.getExtension(id, "fileStreams")!;
    for (let round = 0; round < 2; round++) {
      emulator.calls.clear();
      let n = 0;
      for await (const c of await fsx.readStream("f.bin")) n += c.byteLength;
      const reads = emulator.calls.of("TaskExecStdioRead");
      const byExec = new Map<string, { offsets: number[]; errors: string[] }>();
      for (const call of reads) {
        const r = call.request as { execId: string; offset: number; fileDescriptor: number };
        const key = `${r.execId.slice(0, 8)}/${r.fileDescriptor}`;
        const e = byExec.get(key) ?? { offsets: [], errors: [] };
        e.offsets.push(Number(r.offset));
        if (call.error) e.errors.push(call.error);
        byExec.set(key, e);
      }
      const multi = [...byExec.entries()].filter(([, v]) => v.offsets.length > 1 || v.errors.length);
      console.log("round", round, "bytes", n, "reads", reads.length, "multi", JSON.stringify(multi));
    }
  } finally {
    await provider.destroy(id);
    await emulator.close();
  }
}, 600_000);
