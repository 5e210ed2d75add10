import { createHash } from "node:crypto";
import type { ExecOptions, FileStreamsExtension, FilesExtension, Provider } from "@openlattice/core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { ModalEmulator, ModalProvider } from "../src/index.js";
import { READ_BLOCK_BYTES, READ_WINDOW_BLOCKS } from "../src/provider/windowed-read.js";
import { providerFor, startTestEmulator, testBackend } from "./support/fixture.js";

/**
 * The `fileStreams` extension through the real SDK against the emulator: a file larger than
 * any buffer on the way round-trips byte for byte while the host's memory stays flat, ranges
 * cross window boundaries, and a write only replaces the file once it is complete.
 */
const MiB = 1024 * 1024;
const WINDOW = READ_BLOCK_BYTES * READ_WINDOW_BLOCKS;
let emulator: ModalEmulator;
let provider: ModalProvider;
let sandboxId: string;
let streams: FileStreamsExtension;
let files: FilesExtension;

beforeAll(async () => {
  // Recorded requests would otherwise keep every byte written (the recorder is test tooling).
  emulator = await startTestEmulator({ recordPayloads: false });
  provider = providerFor(emulator);
  sandboxId = (await provider.provision({})).externalId;
  streams = provider.getExtension(sandboxId, "fileStreams") as FileStreamsExtension;
  files = provider.getExtension(sandboxId, "files") as FilesExtension;
});

afterAll(async () => {
  await provider?.destroy(sandboxId).catch(() => undefined);
  await emulator?.close();
});

/** `total` pseudo-random bytes in 1 MiB chunks, made as they are pulled (never all at once). */
function generated(total: number, onChunk?: (chunk: Uint8Array) => void): ReadableStream<Uint8Array> {
  let made = 0;
  let state = 0x9e3779b9;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (made >= total) return controller.close();
      const chunk = new Uint8Array(Math.min(MiB, total - made));
      const words = new Uint32Array(chunk.buffer, 0, chunk.byteLength >> 2);
      for (let i = 0; i < words.length; i += 1) {
        state ^= state << 13;
        state ^= state >>> 17;
        state ^= state << 5;
        words[i] = state >>> 0;
      }
      made += chunk.byteLength;
      onChunk?.(chunk);
      controller.enqueue(chunk);
    },
  });
}

async function bytesOf(stream: ReadableStream<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const chunk of stream) parts.push(chunk);
  return Buffer.concat(parts);
}

describe("large files", () => {
  test("256 MiB round-trip byte for byte with host memory far below the file's size", async () => {
    const size = 256 * MiB;
    const written = createHash("sha256");
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 25);
    let visibleMidway: number | undefined;
    const progress: number[] = [];
    try {
      const sink = (await streams.writeStream("big.bin", { onProgress: (bytes) => progress.push(bytes) })).getWriter();
      for await (const chunk of generated(size, (made) => written.update(made))) {
        await sink.write(chunk);
        if (progress.at(-1) === 64 * MiB) {
          visibleMidway = (await provider.exec(sandboxId, ["test", "-e", "big.bin"])).exitCode;
        }
      }
      await sink.close();
      const expected = written.digest("hex");
      const inSandbox = await provider.exec(sandboxId, ["sha256sum", "big.bin"]);
      expect(inSandbox.stdout.split(" ")[0]).toBe(expected);
      const read = createHash("sha256");
      let readBytes = 0;
      let lastProgress = 0;
      const source = await streams.readStream("/workspace/big.bin", { onProgress: (bytes) => (lastProgress = bytes) });
      for await (const chunk of source) {
        read.update(chunk);
        readBytes += chunk.byteLength;
      }
      expect(readBytes).toBe(size);
      expect(lastProgress).toBe(size);
      expect(read.digest("hex")).toBe(expected);
    } finally {
      clearInterval(sampler);
      await files.remove("big.bin").catch(() => undefined);
    }
    // Until closed, the file is not there under its name.
    expect(visibleMidway).toBe(1);
    expect(progress.at(-1)).toBe(size);
    expect(progress).toEqual([...progress].sort((left, right) => left - right));
    // A whole-file buffer on either side would need the file's 256 MiB at least (the SDK's
    // readBytes twice that); streaming holds a few windows and chunks (about 100 MiB measured,
    // the in-process emulator and garbage not yet collected included).
    expect((peak - baseline) / MiB).toBeLessThan(160);
  }, 180_000);
});

describe("ranges and modes", () => {
  test("start/end read exactly [start, end), across window boundaries and past the end", async () => {
    const size = WINDOW + 3 * READ_BLOCK_BYTES + 123;
    const content = await bytesOf(generated(size));
    await generated(size).pipeTo(await streams.writeStream("/tmp/ranged.bin", { mode: 0o600 }));
    expect(((await files.stat("/tmp/ranged.bin")).mode & 0o777).toString(8)).toBe("600");
    const ranges: [number, number | undefined][] = [
      [0, undefined],
      [1, 2],
      [WINDOW - 5, WINDOW + 7],
      [READ_BLOCK_BYTES + 9, size - 1],
      [size - 10, size + 1000],
      [size + 5, undefined],
      [7, 7],
    ];
    for (const [start, end] of ranges) {
      const got = await bytesOf(
        await streams.readStream("/tmp/ranged.bin", { start, ...(end === undefined ? {} : { end }) }),
      );
      expect(got.equals(content.subarray(start, end)), `range ${start}..${end}`).toBe(true);
    }
  });

  test("an aborted write leaves the old file and no temporary file; a finished one replaces it", async () => {
    await files.write("/tmp/keep/file.txt", "old");
    const sink = (await streams.writeStream("/tmp/keep/file.txt")).getWriter();
    await sink.write(new TextEncoder().encode("partial new content"));
    await sink.abort(new Error("changed my mind"));
    expect(await files.readText("/tmp/keep/file.txt")).toBe("old");
    expect((await files.list("/tmp/keep")).map((entry) => entry.name)).toEqual(["file.txt"]);

    const controller = new AbortController();
    const aborted = (await streams.writeStream("/tmp/keep/file.txt", { signal: controller.signal })).getWriter();
    await aborted.write(new Uint8Array(10));
    controller.abort(new Error("stop"));
    await expect(aborted.write(new Uint8Array(1))).rejects.toThrow("stop");
    await expect(aborted.closed).rejects.toThrow("stop");
    await expect.poll(async () => (await files.list("/tmp/keep")).map((entry) => entry.name)).toEqual(["file.txt"]);
    expect(await files.readText("/tmp/keep/file.txt")).toBe("old");

    const done = (await streams.writeStream("/tmp/keep/file.txt")).getWriter();
    await done.write(new TextEncoder().encode("new"));
    await done.close();
    expect(await files.readText("/tmp/keep/file.txt")).toBe("new");
    expect(((await files.stat("/tmp/keep/file.txt")).mode & 0o777).toString(8)).toBe("644");
  });

  test("aborting a read rejects it with the signal's reason", async () => {
    await generated(2 * WINDOW).pipeTo(await streams.writeStream("/tmp/abort-read.bin"));
    const controller = new AbortController();
    const reader = (await streams.readStream("/tmp/abort-read.bin", { signal: controller.signal })).getReader();
    expect((await reader.read()).done).toBe(false);
    controller.abort(new Error("enough"));
    await expect(reader.read()).rejects.toThrow("enough");
  });
});

describe("a backend that cuts exec output short", () => {
  test("a window whose output ended early is read again from where it stopped", async () => {
    // The first dd exec's stdout stops after 3 MiB, as when a backend stops draining a finished
    // command's output (dd itself wrote everything and exited 0).
    const real = await testBackend();
    let cut = false;
    const cutting: Provider = Object.create(real, {
      exec: {
        value: (id: string, argv: readonly string[], options: ExecOptions = {}) => {
          if (cut || !argv.includes("dd") || !options.onStdoutBytes) return real.exec(id, argv, options);
          cut = true;
          let passed = 0;
          const forward = options.onStdoutBytes;
          return real.exec(id, argv, {
            ...options,
            onStdoutBytes: (chunk) => {
              const room = Math.max(0, 3 * MiB - passed);
              passed += chunk.byteLength;
              if (room > 0) forward(chunk.subarray(0, room));
            },
          });
        },
      },
    });
    const lossy = await startTestEmulator({ backend: cutting, recordPayloads: false });
    const target = providerFor(lossy);
    const id = (await target.provision({})).externalId;
    try {
      const size = WINDOW + 5 * MiB;
      const content = await bytesOf(generated(size));
      const lossyStreams = target.getExtension(id, "fileStreams") as FileStreamsExtension;
      await generated(size).pipeTo(await lossyStreams.writeStream("/tmp/cut.bin"));
      const got = await bytesOf(await lossyStreams.readStream("/tmp/cut.bin"));
      expect(cut).toBe(true);
      expect(got.byteLength).toBe(size);
      expect(got.equals(content)).toBe(true);
      const reads = lossy.calls
        .requests<{ commandArgs: string[] }>("TaskExecStart")
        .filter((r) => r.commandArgs[0] === "dd");
      // Two windows, plus the one that read the cut-off part again.
      expect(reads.length).toBeGreaterThanOrEqual(3);
    } finally {
      await target.destroy(id).catch(() => undefined);
      await lossy.close();
    }
  });
});

describe("bad input", () => {
  test("missing files, directories and bad options are typed errors naming the field", async () => {
    await expect(streams.readStream("/tmp/no-such-file")).rejects.toMatchObject({ code: "not_found" });
    await expect(streams.readStream("/tmp")).rejects.toMatchObject({ details: { field: "path" } });
    await expect(streams.readStream("")).rejects.toMatchObject({ details: { field: "path" } });
    await expect(streams.readStream("/tmp/x", { start: -1 })).rejects.toMatchObject({ details: { field: "start" } });
    await expect(streams.readStream("/tmp/x", { start: 5, end: 2 })).rejects.toMatchObject({
      details: { field: "end" },
    });
    await expect(streams.readStream("/tmp/x", { follow: true } as never)).rejects.toMatchObject({
      details: { field: "follow" },
    });
    await expect(streams.writeStream("/tmp/x", { mode: 0o10000 })).rejects.toMatchObject({
      details: { field: "mode" },
    });
    await expect(streams.writeStream("/tmp/x", { onProgress: 1 } as never)).rejects.toMatchObject({
      details: { field: "onProgress" },
    });
    await expect(streams.writeStream("/tmp")).rejects.toMatchObject({ details: { field: "path" } });
    await files.write("/tmp/plain-file", "x");
    await expect(streams.writeStream("/tmp/plain-file/child")).rejects.toMatchObject({
      code: "invalid_argument",
      details: { field: "path" },
    });
  });
});
