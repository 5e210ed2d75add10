/**
 * A realistic orchestration loop: a pool of sandboxes runs 50 jobs with bounded concurrency,
 * retries jobs that fail with retryable errors, cancels everything with one AbortSignal, and
 * destroys the pool on exit, on error and on Ctrl-C.
 *
 * Faults are injected with `withFaults` (15% of execs fail with `unavailable` before reaching
 * the sandbox) so that the retry path really runs. Jobs are pure computations, which is what
 * makes retrying them safe.
 *
 * A cancellation counts as one whenever it comes: while the pool is still starting, every job
 * is reported cancelled and the sandboxes already started are destroyed.
 *
 * Run: pnpm --filter @openlattice/examples run orchestrate [--jobs 50 --pool 4 --cancel-after-ms 0]
 */
import { isSandboxError, openSandbox, type Sandbox, withFaults, withRetry } from "@openlattice/core";
import { LocalProvider } from "@openlattice/local";
import { parseFlags } from "./lib/args.js";
import { step } from "./lib/print.js";

const values = parseFlags("orchestrate [--jobs 50] [--pool 4] [--cancel-after-ms 0]", {
  jobs: { type: "string", default: "50" },
  pool: { type: "string", default: "4" },
  "cancel-after-ms": { type: "string", default: "0" },
});
const jobCount = Number(values.jobs);
const poolSize = Number(values.pool);
const cancelAfterMs = Number(values["cancel-after-ms"]);

const provider = withFaults(new LocalProvider(), {
  errorRate: 0.15,
  codes: ["unavailable"],
  methods: ["exec"],
  seed: 42,
});
const cancel = new AbortController();
const pool: Sandbox[] = [];

async function destroyPool(): Promise<void> {
  const results = await Promise.allSettled(pool.splice(0).map((sandbox) => sandbox.destroy()));
  const failed = results.filter((result) => result.status === "rejected").length;
  step(`pool destroyed${failed ? ` (${failed} destroy calls failed)` : ""}`);
}

process.once("SIGINT", () => {
  step("Ctrl-C: cancelling jobs and destroying the pool");
  cancel.abort(new Error("interrupted"));
});
if (cancelAfterMs > 0) setTimeout(() => cancel.abort(new Error(`cancelled after ${cancelAfterMs} ms`)), cancelAfterMs);

let retries = 0;
const outcomes = { succeeded: 0, failed: 0, cancelled: 0 };

/** Runs one job on a sandbox: sums 1..n inside the sandbox and checks the answer. */
async function runJob(sandbox: Sandbox, job: number): Promise<void> {
  const n = 1000 + job;
  const result = await withRetry(
    () =>
      sandbox.exec(["sh", "-c", 'i=0; s=0; while [ "$i" -lt "$N" ]; do i=$((i+1)); s=$((s+i)); done; echo "$s"'], {
        env: { N: String(n) },
        timeoutMs: 10_000,
        signal: cancel.signal,
      }),
    { retries: 5, minDelayMs: 20, maxDelayMs: 200, signal: cancel.signal, idempotent: true, onRetry: () => retries++ },
  );
  const expected = (n * (n + 1)) / 2;
  if (result.exitCode !== 0 || Number(result.stdout.trim()) !== expected) {
    throw new Error(`job ${job}: expected ${expected}, got exit ${result.exitCode} ${JSON.stringify(result.stdout)}`);
  }
}

/**
 * Starts the pool. Returns false when the cancel signal fired meanwhile: the provider destroys a
 * sandbox whose provision the signal interrupted, and the finally block destroys the rest.
 */
async function startPool(): Promise<boolean> {
  const labels = { example: "orchestrate", run: String(process.pid) };
  try {
    for (let index = 0; index < poolSize; index++) {
      pool.push(
        await openSandbox(
          provider,
          { labels, idempotencyKey: `pool-${process.pid}-${index}` },
          { signal: cancel.signal },
        ),
      );
    }
  } catch (error) {
    if (!cancel.signal.aborted) throw error;
  }
  if (cancel.signal.aborted) {
    step(`cancelled while the pool was starting (${pool.length} of ${poolSize} sandboxes ready)`);
    return false;
  }
  step(`pool of ${pool.length} sandboxes ready`);
  return true;
}

let next = 0;
/** Takes jobs until none is left; once cancelled, the remaining jobs are counted, not run. */
async function worker(sandbox: Sandbox): Promise<void> {
  while (next < jobCount) {
    const job = next++;
    if (cancel.signal.aborted) {
      outcomes.cancelled += 1;
      continue;
    }
    try {
      await runJob(sandbox, job);
      outcomes.succeeded += 1;
    } catch (error) {
      if (cancel.signal.aborted) outcomes.cancelled += 1;
      else {
        outcomes.failed += 1;
        step(`job ${job} failed: ${isSandboxError(error) ? `${error.code}: ` : ""}${(error as Error).message}`);
      }
    }
  }
}

try {
  const started = performance.now();
  if (await startPool()) await Promise.all(pool.map(worker));
  else outcomes.cancelled = jobCount;
  step(
    `${jobCount} jobs in ${(performance.now() - started).toFixed(0)} ms: ${outcomes.succeeded} succeeded, ` +
      `${outcomes.failed} failed, ${outcomes.cancelled} cancelled; ${retries} retries after ` +
      `${provider.faultStats.injectedErrors.exec} injected faults`,
  );
} finally {
  await destroyPool();
}
if (outcomes.failed > 0) process.exitCode = 1;
