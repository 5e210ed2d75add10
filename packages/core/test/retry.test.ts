import { describe, expect, it } from "vitest";
import {
  CapacityError,
  InvalidArgumentError,
  RateLimitedError,
  retryDelayBounds,
  TimeoutError,
  UnavailableError,
  withRetry,
} from "../src/index.js";

const fast = { minDelayMs: 1, maxDelayMs: 5 };

describe("withRetry", () => {
  it("retries retryable errors until success", async () => {
    let calls = 0;
    const result = await withRetry(async (attempt) => {
      calls += 1;
      if (attempt < 3) throw new UnavailableError("down");
      return "ok";
    }, fast);
    expect(result).toBe("ok");
    expect(calls).toBe(3);
  });

  it("rethrows a non-retryable error at once, unchanged", async () => {
    let calls = 0;
    const error = new InvalidArgumentError("x", "bad");
    await expect(
      withRetry(async () => {
        calls += 1;
        throw error;
      }, fast),
    ).rejects.toBe(error);
    expect(calls).toBe(1);
  });

  it("does not retry plain errors or thrown non-errors", async () => {
    let calls = 0;
    await expect(
      withRetry(async () => {
        calls += 1;
        throw "a string";
      }, fast),
    ).rejects.toBe("a string");
    const plain = new TypeError("nope");
    await expect(
      withRetry(async () => {
        calls += 1;
        throw plain;
      }, fast),
    ).rejects.toBe(plain);
    expect(calls).toBe(2);
  });

  it("gives up after the configured retries with the last error", async () => {
    let calls = 0;
    const last = new CapacityError("still full");
    await expect(
      withRetry(
        async () => {
          calls += 1;
          throw calls === 3 ? last : new CapacityError("full");
        },
        { ...fast, retries: 2 },
      ),
    ).rejects.toBe(last);
    expect(calls).toBe(3);
  });

  it("never repeats a non-idempotent call without an idempotency key", async () => {
    let calls = 0;
    const operation = async () => {
      calls += 1;
      throw new UnavailableError("lost response");
    };
    await expect(withRetry(operation, { ...fast, idempotent: false })).rejects.toThrow("lost response");
    expect(calls).toBe(1);
    calls = 0;
    await expect(
      withRetry(operation, { ...fast, idempotent: false, idempotencyKey: "k1", retries: 2 }),
    ).rejects.toThrow("lost response");
    expect(calls).toBe(3);
  });

  it("stops waiting when the signal aborts, with the signal's reason", async () => {
    const controller = new AbortController();
    const reason = new Error("cancelled by user");
    let calls = 0;
    const pending = withRetry(
      async () => {
        calls += 1;
        if (calls === 1) setTimeout(() => controller.abort(reason), 10);
        throw new TimeoutError("slow");
      },
      { minDelayMs: 5_000, maxDelayMs: 5_000, signal: controller.signal },
    );
    const started = Date.now();
    await expect(pending).rejects.toBe(reason);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(calls).toBe(1);
  });

  it("rejects at once when the signal is already aborted", async () => {
    let calls = 0;
    await expect(
      withRetry(
        async () => {
          calls += 1;
        },
        { signal: AbortSignal.abort(new Error("early")) },
      ),
    ).rejects.toThrow("early");
    expect(calls).toBe(0);
  });

  it("waits at least retryAfterMs of a rate limit", async () => {
    let calls = 0;
    const started = Date.now();
    await withRetry(async () => {
      calls += 1;
      if (calls === 1) throw new RateLimitedError("slow down", { retryAfterMs: 120 });
    }, fast);
    expect(Date.now() - started).toBeGreaterThanOrEqual(115);
  });

  it("reports each retry to onRetry with the failed attempt number", async () => {
    const seen: number[] = [];
    await withRetry(
      async (attempt) => {
        if (attempt < 3) throw new UnavailableError("x");
      },
      { ...fast, onRetry: (_error, attempt) => seen.push(attempt) },
    );
    expect(seen).toEqual([1, 2]);
  });

  it("spaces attempts by at least the minimum delay", async () => {
    const times: number[] = [];
    await withRetry(
      async (attempt) => {
        times.push(Date.now());
        if (attempt < 3) throw new UnavailableError("x");
      },
      { minDelayMs: 40, maxDelayMs: 1000, jitter: false },
    );
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(38);
    expect(times[2]! - times[1]!).toBeGreaterThanOrEqual(78);
  });
});

describe("retryDelayBounds", () => {
  it("grows exponentially, caps at maxDelayMs and doubles the window with jitter", () => {
    const policy = { minDelayMs: 100, maxDelayMs: 1000, factor: 2 };
    expect(retryDelayBounds(policy, 1)).toEqual({ min: 100, max: 200 });
    expect(retryDelayBounds(policy, 3)).toEqual({ min: 400, max: 800 });
    expect(retryDelayBounds(policy, 5)).toEqual({ min: 1000, max: 1000 });
    expect(retryDelayBounds({ ...policy, jitter: false }, 2)).toEqual({ min: 200, max: 200 });
  });
});
