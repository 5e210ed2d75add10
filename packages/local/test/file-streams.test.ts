import { createHash } from "node:crypto";
import {
  type FileEvent,
  type FileStreamsExtension,
  type FilesExtension,
  type FileWatchExtension,
  hasErrorCode,
  type LifetimeExtension,
} from "@openlattice/core";
import { describe, expect, it } from "vitest";
import { lazyProvider, SKIP_REASON, skipTier, TIERS, waitFor } from "./helpers.js";

async function readAll(stream: ReadableStream<Uint8Array>): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return Buffer.concat(chunks);
}

describe.each(TIERS)("file streams, watch and lifetime (%s tier)", (tier) => {
  const provider = lazyProvider(tier);
  const skip = skipTier(tier);
  const name = (text: string) => `${text}${tier === "namespace" ? SKIP_REASON : ""}`;
  const sandbox = async (spec = {}) => {
    const p = provider();
    const { externalId } = await p.provision(spec);
    const ext = <T>(n: string) => p.getExtension(externalId, n) as T;
    return {
      p,
      id: externalId,
      streams: ext<FileStreamsExtension>("fileStreams"),
      watch: ext<FileWatchExtension>("fileWatch"),
      files: ext<FilesExtension>("files"),
      lifetime: ext<LifetimeExtension>("lifetime"),
    };
  };

  it.skipIf(skip)(name("streams a file in and out, ranges included, with progress"), async () => {
    const { p, id, streams } = await sandbox();
    const chunk = Buffer.alloc(1024 * 1024);
    for (let i = 0; i < chunk.length; i++) chunk[i] = (i * 31 + 7) & 0xff;
    const hash = createHash("sha256");
    const progress: number[] = [];
    const writable = await streams.writeStream("big.bin", { onProgress: (n) => progress.push(n) });
    const writer = writable.getWriter();
    for (let i = 0; i < 20; i++) {
      hash.update(chunk);
      await writer.write(chunk);
    }
    await writer.close();
    expect(progress.at(-1), "write progress").toBe(20 * chunk.length);
    const inside = await p.exec(id, ["sha256sum", "big.bin"]);
    expect(inside.stdout.split(" ")[0]).toBe(hash.digest("hex"));
    let seen = 0;
    const back = await readAll(await streams.readStream("big.bin", { onProgress: (n) => (seen = n) }));
    expect(back.length, "bytes read back").toBe(20 * chunk.length);
    expect(back.subarray(0, chunk.length).equals(chunk)).toBe(true);
    expect(seen).toBe(back.length);
    const range = await readAll(await streams.readStream("big.bin", { start: 1000, end: 1010 }));
    expect(range.equals(chunk.subarray(1000, 1010))).toBe(true);
    const tail = await readAll(await streams.readStream("big.bin", { start: 20 * chunk.length - 5 }));
    expect(tail.equals(chunk.subarray(chunk.length - 5))).toBe(true);
    expect((await readAll(await streams.readStream("big.bin", { start: 7, end: 7 }))).length).toBe(0);
  });

  it.skipIf(skip)(name("an aborted write stream leaves the old file; refusals are typed"), async () => {
    const { p, id, streams, files } = await sandbox();
    await files.write("keep.txt", "old");
    const writable = await streams.writeStream("keep.txt");
    const writer = writable.getWriter();
    await writer.write(new TextEncoder().encode("new partial"));
    expect(await files.readText("keep.txt")).toBe("old");
    await writer.abort(new Error("changed my mind"));
    await waitFor(async () =>
      (await p.exec(id, ["sh", "-c", "ls -A | grep -c olw"])).stdout.trim() === "0" ? true : undefined,
    );
    expect(await files.readText("keep.txt")).toBe("old");
    await expect(streams.readStream("missing.bin")).rejects.toSatisfy((e) => hasErrorCode(e, "not_found"));
    await p.exec(id, ["mkfifo", "fifo"]);
    await expect(streams.readStream("fifo")).rejects.toSatisfy((e) => hasErrorCode(e, "invalid_argument"));
    await expect(streams.writeStream("fifo")).rejects.toSatisfy((e) => hasErrorCode(e, "invalid_argument"));
    await expect(streams.readStream("keep.txt", { start: 5, end: 2 })).rejects.toSatisfy((e) =>
      hasErrorCode(e, "invalid_argument"),
    );
  });

  it.skipIf(skip)(name("watch reports files a command creates, modifies and deletes, recursively"), async () => {
    const { p, id, watch } = await sandbox();
    await p.exec(id, ["mkdir", "-p", "w/sub"]);
    const controller = new AbortController();
    const events = await watch.watch("w", { recursive: true, signal: controller.signal });
    const seen: FileEvent[] = [];
    const done = (async () => {
      for await (const event of events) seen.push(event);
    })();
    await p.exec(id, ["sh", "-c", "echo a > w/a.txt; echo more >> w/a.txt; echo b > w/sub/b.txt; rm w/a.txt"]);
    const workdir = (await p.exec(id, ["pwd"])).stdout.trim();
    const has = (type: string, file: string) => seen.some((e) => e.type === type && e.path === `${workdir}/${file}`);
    await waitFor(async () => (has("delete", "w/a.txt") && has("create", "w/sub/b.txt") ? true : undefined));
    expect(has("create", "w/a.txt")).toBe(true);
    expect(has("modify", "w/a.txt")).toBe(true);
    controller.abort();
    await done;
    await expect(watch.watch("nope")).rejects.toSatisfy((e) => hasErrorCode(e, "not_found"));
  });

  it.skipIf(skip)(
    name("lifetime moves the duration deadline of a live sandbox"),
    async () => {
      const { p, id, lifetime } = await sandbox({ duration: { maxSeconds: 1 } });
      const first = await lifetime.deadline();
      expect(first).toBeInstanceOf(Date);
      const moved = await lifetime.extend(1.5);
      expect(moved.getTime() - (first as Date).getTime()).toBe(1500);
      expect((await lifetime.deadline())?.getTime()).toBe(moved.getTime());
      await new Promise((r) => setTimeout(r, 1300));
      // Past the first deadline, the sandbox still runs; it ends at the new one.
      expect((await p.exec(id, ["true"])).exitCode).toBe(0);
      await waitFor(async () => ((await p.inspect(id)).status === "terminated" ? true : undefined), 6000);
      await expect(lifetime.extend(-1)).rejects.toSatisfy(
        (e) => hasErrorCode(e, "invalid_argument") || hasErrorCode(e, "terminated"),
      );
    },
    20_000,
  );
});
