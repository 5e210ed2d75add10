import type { ModalProvider } from "@openlattice/modal";
import { type Summary, summarize } from "../harness/stats.ts";
import type { BenchSuite } from "../harness/suite.ts";

export interface ModalInteractiveResults {
  /** Baseline: one `exec(["true"])` through the same emulator (a whole exec's round trips). */
  readonly execTrueMs: Summary;
  /** `processes.start(["cat"])` until the handle (and the pid) is there. */
  readonly processStartMs: Summary;
  /** `attach(pid, { fromStart: true })` of a running process until its first replayed byte. */
  readonly attachReplayMs: Summary;
  /** A line written to a background `cat` until it comes back on stdout. */
  readonly echoRoundTripMs: Summary;
  /** A key typed into a PTY `cat` until the terminal's echo of it arrives. */
  readonly ptyRoundTripMs: Summary;
  readonly streams: {
    readonly bytes: number;
    readonly writeMiBPerSecond: number;
    readonly readMiBPerSecond: number;
    /** Baseline: the same bytes as one exec's stdout (`head -c N /dev/zero`), through the same SDK. */
    readonly execStdoutMiBPerSecond: number;
    /** Peak RSS of this process over its start, during the round trip (the emulator runs in it). */
    readonly rssGrowthMiB: number;
  };
}

const MiB = 1024 * 1024;

async function timed(samples: number, run: () => Promise<void>): Promise<Summary> {
  const times: number[] = [];
  for (let i = 0; i < samples; i += 1) {
    const started = performance.now();
    await run();
    times.push(performance.now() - started);
  }
  return summarize(times);
}

/** Resolves once `read()` contains `text` (polled on each chunk through `wake`). */
function waiter() {
  let seen = "";
  let wake: (() => void) | undefined;
  return {
    push(chunk: string) {
      seen += chunk;
      wake?.();
    },
    async until(text: string): Promise<void> {
      while (!seen.includes(text)) await new Promise<void>((resolve) => (wake = resolve));
      seen = "";
    },
  };
}

/**
 * Latency of the `processes` extension and PTYs, and streamed file throughput, through the
 * real SDK and the emulator, next to plain exec measured in the same run.
 */
export async function runModalInteractive(options: {
  samples: number;
  streamBytes: number;
}): Promise<ModalInteractiveResults> {
  process.env.MODAL_CONFIG_PATH = "/nonexistent/openlattice-bench.toml";
  process.env.MODAL_LOGLEVEL ??= "error";
  const modal = await import("@openlattice/modal");
  // Every tag runs on the backend's host image: offline there is no registry to pull from.
  const emulator = await modal.startModalEmulator({ recordPayloads: false, imageForTag: () => "host" });
  const provider: ModalProvider = new modal.ModalProvider({ ...emulator.providerOptions });
  const id = (await provider.provision({})).externalId;
  try {
    const processes = provider.getExtension(id, "processes")!;
    const streams = provider.getExtension(id, "fileStreams")!;
    await provider.exec(id, ["true"]);
    const execTrueMs = await timed(options.samples, async () => {
      await provider.exec(id, ["true"]);
    });
    const started: { kill(signal?: string): Promise<void> }[] = [];
    const processStartMs = await timed(options.samples, async () => {
      started.push(await processes.start(["cat"]));
    });
    await Promise.all(started.map((handle) => handle.kill("SIGKILL")));

    const plain = waiter();
    const cat = await processes.start(["cat"], { onStdout: (chunk) => plain.push(chunk) });
    await cat.write("warm\n");
    await plain.until("warm\n");
    const attachReplayMs = await timed(options.samples, async () => {
      const replayed = waiter();
      const handle = await processes.attach(cat.pid, { fromStart: true, onStdout: (chunk) => replayed.push(chunk) });
      await replayed.until("warm");
      handle.detach();
    });
    const echoRoundTripMs = await timed(options.samples, async () => {
      await cat.write("ping\n");
      await plain.until("ping\n");
    });
    await cat.kill("SIGKILL");

    const screen = waiter();
    const pty = await processes.start(["cat"], { pty: true, onStdout: (chunk) => screen.push(chunk) });
    await pty.write("w");
    await screen.until("w");
    const ptyRoundTripMs = await timed(options.samples, async () => {
      await pty.write("k");
      await screen.until("k");
    });
    await pty.kill("SIGKILL");

    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 25);
    let writeMs = 0;
    let readMs = 0;
    let execMs = 0;
    try {
      const chunk = new Uint8Array(MiB).fill(7);
      let written = 0;
      let begin = performance.now();
      const sink = (await streams.writeStream("bench-stream.bin")).getWriter();
      while (written < options.streamBytes) {
        await sink.write(chunk);
        written += chunk.byteLength;
      }
      await sink.close();
      writeMs = performance.now() - begin;
      begin = performance.now();
      let read = 0;
      for await (const part of await streams.readStream("bench-stream.bin")) read += part.byteLength;
      readMs = performance.now() - begin;
      if (read !== options.streamBytes) throw new Error(`read ${read} of ${options.streamBytes} bytes`);
      begin = performance.now();
      let streamed = 0;
      await provider.exec(id, ["head", "-c", String(options.streamBytes), "/dev/zero"], {
        maxOutputBytes: 0,
        onStdoutBytes: (part) => {
          streamed += part.byteLength;
        },
      });
      execMs = performance.now() - begin;
      if (streamed !== options.streamBytes) throw new Error(`exec streamed ${streamed} bytes`);
    } finally {
      clearInterval(sampler);
    }
    const rate = (ms: number) => options.streamBytes / MiB / (ms / 1000);
    return {
      execTrueMs,
      processStartMs,
      attachReplayMs,
      echoRoundTripMs,
      ptyRoundTripMs,
      streams: {
        bytes: options.streamBytes,
        writeMiBPerSecond: rate(writeMs),
        readMiBPerSecond: rate(readMs),
        execStdoutMiBPerSecond: rate(execMs),
        rssGrowthMiB: (peak - baseline) / MiB,
      },
    };
  } finally {
    await provider.destroy(id).catch(() => undefined);
    await emulator.close();
  }
}

const fmt = (value: number) => (Number.isFinite(value) ? value.toFixed(2) : "n/a");

/** Picked up by the runner (harness/suite.ts): `pnpm bench` runs it after the built-in suites. */
export const benchSuite: BenchSuite = {
  name: "modal-interactive",
  title: "Modal processes, PTY and streamed files through the emulator",
  async run({ quick }) {
    const m = await runModalInteractive({ samples: quick ? 5 : 50, streamBytes: (quick ? 8 : 256) * MiB });
    return {
      data: m,
      summary: [
        `modal (emulator): exec true p50 ${fmt(m.execTrueMs.p50)} ms, process start ${fmt(m.processStartMs.p50)} ms, ` +
          `attach replay ${fmt(m.attachReplayMs.p50)} ms, stdin echo ${fmt(m.echoRoundTripMs.p50)} ms, PTY key echo ${fmt(m.ptyRoundTripMs.p50)} ms`,
        `modal (emulator): fileStreams ${(m.streams.bytes / MiB).toFixed(0)} MiB write ${fmt(m.streams.writeMiBPerSecond)} MiB/s, ` +
          `read ${fmt(m.streams.readMiBPerSecond)} MiB/s (exec stdout ${fmt(m.streams.execStdoutMiBPerSecond)} MiB/s), RSS growth ${fmt(m.streams.rssGrowthMiB)} MiB`,
      ],
      ratios: {
        "process stdin echo p50 / exec true p50": m.echoRoundTripMs.p50 / m.execTrueMs.p50,
        "PTY key echo p50 / process stdin echo p50": m.ptyRoundTripMs.p50 / m.echoRoundTripMs.p50,
        "attach replay p50 / exec true p50": m.attachReplayMs.p50 / m.execTrueMs.p50,
        "fileStreams write MiB/s / exec stdout MiB/s": m.streams.writeMiBPerSecond / m.streams.execStdoutMiBPerSecond,
        "fileStreams read MiB/s / exec stdout MiB/s": m.streams.readMiBPerSecond / m.streams.execStdoutMiBPerSecond,
      },
    };
  },
};
