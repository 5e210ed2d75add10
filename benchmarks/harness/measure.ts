import { spawn } from "node:child_process";

/** Wall time of one child process from spawn until it closed, in ms; rejects on a non-zero exit. */
export function timeSpawn(file: string, args: readonly string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(file, args, { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on("error", reject);
    child.on("close", (code) =>
      code === 0 ? resolve(performance.now() - started) : reject(new Error(`${file} exited ${code}: ${stderr.trim()}`)),
    );
  });
}

/** Runs `body` `warmup` times untimed, then `runs` times, returning each run's duration in ms. */
export async function measure(runs: number, warmup: number, body: () => Promise<unknown>): Promise<number[]> {
  for (let index = 0; index < warmup; index++) await body();
  const times: number[] = [];
  for (let index = 0; index < runs; index++) {
    const started = performance.now();
    await body();
    times.push(performance.now() - started);
  }
  return times;
}

/** Samples this process's RSS every 10 ms while `body` runs; returns the peak growth in bytes. */
export async function peakRssGrowth<T>(body: () => Promise<T>): Promise<{ result: T; growthBytes: number }> {
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 10);
  try {
    const result = await body();
    peak = Math.max(peak, process.memoryUsage().rss);
    return { result, growthBytes: peak - baseline };
  } finally {
    clearInterval(sampler);
  }
}
