import { isSandboxError } from "@openlattice/core";
import { expect } from "vitest";
import type { CaseDefinition } from "./case-definition.js";
import { allByteValues, assertBytesEqual, pathExists, requireExtension } from "./case-helpers.js";
import { hashStream, PeakMemory, readAll, STREAM_CHUNK, writeSmall, writeStreamed } from "./stream-helpers.js";

const MiB = 1024 * 1024;

/** Files as streams (`fileStreams` extension): large, ranged and replaced whole. */
export const FILE_STREAMS_CASES: readonly CaseDefinition[] = [
  {
    id: "file-streams.round-trip",
    // It measures this process's memory: other cases running at once would blur that.
    exclusive: true,
    run: async (c) => {
      const box = await c.sandbox();
      const streams = requireExtension(c, box.id, "fileStreams");
      const size = c.options.largeStreamBytes;
      const path = `${box.scratch}/olc-stream.bin`;
      const memory = new PeakMemory();
      const writeStarted = performance.now();
      const written = await writeStreamed(streams, path, size, memory);
      const writeMs = performance.now() - writeStarted;
      expect(written.progress, "the last onProgress value of writeStream").toBe(size);
      const count = await c.mustExec(box.id, ["sh", "-c", 'wc -c < "$1"', "sh", path]);
      expect(Number(count.stdout.trim()), "size of the streamed file as the sandbox sees it").toBe(size);
      // The sandbox's own view of the last chunk: its header carries the chunk's index.
      const last = Math.ceil(size / STREAM_CHUNK) - 1;
      if (size - last * STREAM_CHUNK >= 8) {
        const od = await c.mustExec(box.id, ["od", "-An", "-tu1", "-j", String(last * STREAM_CHUNK), "-N", "4", path]);
        const header = od.stdout.trim().split(/\s+/).map(Number);
        expect(header, "first bytes of the last chunk in the sandbox (its index)").toEqual([
          (last >>> 24) & 0xff,
          (last >>> 16) & 0xff,
          (last >>> 8) & 0xff,
          last & 0xff,
        ]);
      }
      let readProgress = 0;
      const readStarted = performance.now();
      const read = await hashStream(
        await streams.readStream(path, { onProgress: (bytes) => (readProgress = bytes) }),
        memory,
      );
      const readMs = performance.now() - readStarted;
      const growth = memory.stop();
      expect(read.bytes, "bytes read back with readStream").toBe(size);
      expect(read.sha256 === written.sha256, "sha256 of what readStream returned equals what was written").toBe(true);
      expect(readProgress, "the last onProgress value of readStream").toBe(size);
      // Constant memory means chunks, not the file: a quarter of it (at most 128 MiB) is generous.
      const bound = Math.min(size / 4, 128 * MiB);
      c.note(
        `${(size / MiB).toFixed(0)} MiB: write ${((size / MiB) * (1000 / writeMs)).toFixed(0)} MiB/s, read ${((size / MiB) * (1000 / readMs)).toFixed(0)} MiB/s, suite RSS grew ${(growth / MiB).toFixed(1)} MiB`,
      );
      expect(growth / MiB, `MiB the suite's memory grew while streaming ${size / MiB} MiB`).toBeLessThan(bound / MiB);
    },
  },
  {
    id: "file-streams.range",
    run: async (c) => {
      const box = await c.sandbox();
      const streams = requireExtension(c, box.id, "fileStreams");
      const data = new Uint8Array(4096);
      for (let i = 0; i < data.length; i += 512) data.set(allByteValues(), i);
      const path = `${box.scratch}/range.bin`;
      await writeSmall(streams, path, data);
      const ranges: { start?: number; end?: number }[] = [{ start: 100, end: 300 }, { start: 4000 }, { end: 10 }, {}];
      for (const range of ranges) {
        let progress = 0;
        const bytes = await readAll(await streams.readStream(path, { ...range, onProgress: (n) => (progress = n) }));
        const expected = data.subarray(range.start ?? 0, range.end ?? data.length);
        assertBytesEqual(bytes, expected, `readStream(${JSON.stringify(range)})`);
        expect(progress, `the last onProgress value of readStream(${JSON.stringify(range)})`).toBe(expected.length);
      }
      // The error may come from the call or from the stream's first read; either way typed.
      const missing = `${box.scratch}/olc-missing.bin`;
      const outcome = await streams
        .readStream(missing)
        .then(readAll)
        .then(
          (bytes) => `resolved with ${bytes.byteLength} bytes`,
          (error: unknown) => (isSandboxError(error) ? error.code : `untyped ${String(error)}`),
        );
      expect(outcome, "readStream of a missing file").toBe("not_found");
    },
  },
  {
    id: "file-streams.write-atomic",
    run: async (c) => {
      const box = await c.sandbox();
      const streams = requireExtension(c, box.id, "fileStreams");
      const path = `${box.scratch}/nested/deeper/file.txt`;
      const cat = async () => (await c.mustExec(box.id, ["cat", path])).stdout;
      const mode = async (file: string) => (await c.mustExec(box.id, ["stat", "-c", "%a", file])).stdout.trim();
      await writeSmall(streams, path, "old content", 0o600);
      expect([await cat(), await mode(path)], "a streamed file in new parent directories, mode 0o600").toEqual([
        "old content",
        "600",
      ]);
      // Half written: the old file is still what everyone sees.
      const replacing = (await streams.writeStream(path)).getWriter();
      await replacing.write(new TextEncoder().encode("new, half written"));
      expect(await cat(), "the file while a replacing stream is open").toBe("old content");
      const fresh = `${box.scratch}/fresh.txt`;
      const creating = (await streams.writeStream(fresh)).getWriter();
      await creating.write(new TextEncoder().encode("fresh"));
      expect(await pathExists(c, box.id, fresh), "a new file exists before its stream is closed").toBe(false);
      await replacing.abort(new Error("conformance: abort the replacing stream"));
      expect(await cat(), "the file after the replacing stream was aborted").toBe("old content");
      await creating.close();
      expect([(await c.mustExec(box.id, ["cat", fresh])).stdout, await mode(fresh)], "a closed new stream").toEqual([
        "fresh",
        "644",
      ]);
      await writeSmall(streams, path, "new content");
      expect(await cat(), "the file after a replacing stream closed").toBe("new content");
    },
  },
];
