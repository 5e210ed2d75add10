import { createWriteStream, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { FileStreamsExtension, ProcessesExtension, ProcessHandle } from "@openlattice/core";
import { LocalProvider } from "@openlattice/local";
import { peakRssGrowth } from "../harness/measure.ts";
import { type Summary, summarize } from "../harness/stats.ts";

/** Figures of issue #14 on the local provider, each next to a baseline from the same run. */
export interface InteractiveResults {
  readonly tier: string;
  /** attach({ fromStart }) until the first replayed byte, next to an exec of `true`. */
  readonly attach: { attach: Summary; exec: Summary; ratio: number };
  /** One key written until its echo arrives: through a PTY, and through a plain pipe (`cat`). */
  readonly ptyRoundTrip: { pty: Summary; pipe: Summary; ratio: number };
  readonly fileStreams: {
    readonly bytes: number;
    readonly write: { mibPerSecond: number; rssGrowthMiB: number };
    readonly read: { mibPerSecond: number; rssGrowthMiB: number };
    /** The same bytes streamed out by `exec cat` through onStdoutBytes, and written to a host file. */
    readonly execCatMiBPerSecond: number;
    readonly hostWriteMiBPerSecond: number;
  };
}

const CHUNK = 1024 * 1024;

function chunks(total: number): Readable {
  const block = Buffer.alloc(CHUNK, 0x61);
  let sent = 0;
  return new Readable({
    read() {
      if (sent >= total) return this.push(null);
      sent += CHUNK;
      this.push(block);
    },
  });
}

/** Time until `ready()` turns true after `act()`, polled on every output chunk. */
function timed(act: () => Promise<unknown>, arm: (done: () => void) => void): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    arm(() => resolve(performance.now() - started));
    act().catch(reject);
  });
}

async function roundTrip(processes: ProcessesExtension, pty: boolean, runs: number): Promise<number[]> {
  let onEcho: (() => void) | undefined;
  const handle = await processes.start(["cat"], {
    ...(pty ? { pty: true } : {}),
    onStdoutBytes: () => onEcho?.(),
  });
  const samples: number[] = [];
  for (let i = 0; i < runs + 5; i++) {
    const ms = await timed(
      () => handle.write(pty ? "x" : "x\n"),
      (done) => {
        onEcho = () => {
          onEcho = undefined;
          done();
        };
      },
    );
    if (i >= 5) samples.push(ms);
  }
  await handle.kill("SIGKILL");
  await handle.wait();
  return samples;
}

export async function runInteractive(tier: "namespace" | "none", quick: boolean): Promise<InteractiveResults> {
  const runs = quick ? 30 : 200;
  const bytes = (quick ? 64 : 512) * CHUNK;
  const stateDir = mkdtempSync(path.join(os.tmpdir(), "ol-bench-interactive-"));
  const provider = new LocalProvider({ isolation: tier, stateDir });
  try {
    const { externalId } = await provider.provision({});
    const processes = provider.getExtension(externalId, "processes") as ProcessesExtension;
    const streams = provider.getExtension(externalId, "fileStreams") as FileStreamsExtension;

    // A long-running process with a little output to replay.
    const server = await processes.start(["sh", "-c", "echo ready; exec sleep 600"]);
    const attachMs: number[] = [];
    const execMs: number[] = [];
    for (let i = 0; i < runs + 5; i++) {
      let first: (() => void) | undefined;
      let follower: Promise<ProcessHandle> | undefined;
      const ms = await timed(
        () => (follower = processes.attach(server.pid, { fromStart: true, onStdoutBytes: () => first?.() })),
        (done) => {
          first = () => {
            first = undefined;
            done();
          };
        },
      );
      (await follower)?.detach();
      const before = performance.now();
      await provider.exec(externalId, ["true"]);
      if (i >= 5) {
        attachMs.push(ms);
        execMs.push(performance.now() - before);
      }
    }
    await server.kill("SIGKILL");

    const ptySamples = await roundTrip(processes, true, runs);
    const pipeSamples = await roundTrip(processes, false, runs);

    const write = await peakRssGrowth(async () => {
      const started = performance.now();
      const sink = await streams.writeStream("big.bin");
      await Readable.toWeb(chunks(bytes)).pipeTo(sink as WritableStream<unknown>);
      return performance.now() - started;
    });
    const read = await peakRssGrowth(async () => {
      const started = performance.now();
      let seen = 0;
      for await (const chunk of await streams.readStream("big.bin")) seen += chunk.byteLength;
      if (seen !== bytes) throw new Error(`read ${seen} of ${bytes} bytes`);
      return performance.now() - started;
    });
    const catStarted = performance.now();
    let catBytes = 0;
    await provider.exec(externalId, ["cat", "big.bin"], {
      onStdoutBytes: (chunk) => {
        catBytes += chunk.byteLength;
      },
      maxOutputBytes: 1024,
    });
    const catMs = performance.now() - catStarted;
    const hostFile = path.join(stateDir, "host.bin");
    const hostStarted = performance.now();
    await pipeline(chunks(bytes), createWriteStream(hostFile));
    const hostMs = performance.now() - hostStarted;
    rmSync(hostFile, { force: true });
    const mibps = (ms: number, n = bytes) => n / CHUNK / (ms / 1000);
    const attach = summarize(attachMs);
    const exec = summarize(execMs);
    const pty = summarize(ptySamples);
    const pipe = summarize(pipeSamples);
    return {
      tier,
      attach: { attach, exec, ratio: attach.p50 / exec.p50 },
      ptyRoundTrip: { pty, pipe, ratio: pty.p50 / pipe.p50 },
      fileStreams: {
        bytes,
        write: { mibPerSecond: mibps(write.result), rssGrowthMiB: write.growthBytes / CHUNK },
        read: { mibPerSecond: mibps(read.result), rssGrowthMiB: read.growthBytes / CHUNK },
        execCatMiBPerSecond: mibps(catMs, catBytes),
        hostWriteMiBPerSecond: mibps(hostMs),
      },
    };
  } finally {
    await provider.destroyAll();
    rmSync(stateDir, { recursive: true, force: true });
  }
}
