import { describe, expect, it, vi } from "vitest";
import {
  AuthenticationError,
  CapacityError,
  ConflictError,
  DEFAULT_RETRYABLE,
  ERROR_CODES,
  type ErrorCode,
  hasErrorCode,
  InternalError,
  InvalidArgumentError,
  isSandboxError,
  NotFoundError,
  RateLimitedError,
  REDACTED,
  registerSecret,
  SandboxError,
  TerminatedError,
  TimeoutError,
  UnavailableError,
  UnsupportedError,
  unregisterSecret,
} from "../src/index.js";

describe("error classes", () => {
  it.each([
    [new InvalidArgumentError("spec.name", "bad"), "invalid_argument", false],
    [new NotFoundError("gone"), "not_found", false],
    [new UnsupportedError("gpu", "no"), "unsupported", false],
    [new TimeoutError("slow"), "timeout", true],
    [new RateLimitedError("slow down", { retryAfterMs: 100 }), "rate_limited", true],
    [new UnavailableError("down"), "unavailable", true],
    [new AuthenticationError("who"), "authentication", false],
    [new ConflictError("taken"), "conflict", false],
    [new TerminatedError("ended"), "terminated", false],
    [new CapacityError("full"), "capacity", true],
    [new InternalError("bug"), "internal", false],
  ])("%s has code %s and retryable %s", (error, code, retryable) => {
    expect(error).toBeInstanceOf(SandboxError);
    expect(error).toBeInstanceOf(Error);
    expect(error.code).toBe(code);
    expect(error.retryable).toBe(retryable);
    expect(DEFAULT_RETRYABLE[error.code]).toBe(retryable);
    expect(isSandboxError(error)).toBe(true);
    expect(hasErrorCode(error, code as ErrorCode)).toBe(true);
  });

  it("covers every stable code exactly once", () => {
    expect([...ERROR_CODES].sort()).toEqual(Object.keys(DEFAULT_RETRYABLE).sort());
    expect(ERROR_CODES).toHaveLength(12);
  });

  it("lets the thrower override retryable and keeps the cause", () => {
    const cause = new Error("socket hang up");
    const error = new InternalError("boom", { retryable: true, cause, provider: "modal" });
    expect(error.retryable).toBe(true);
    expect(error.cause).toBe(cause);
    expect(error.provider).toBe("modal");
  });

  it("names the field of an invalid argument in message and details", () => {
    const error = new InvalidArgumentError("resources.memoryMiB", "must be an integer");
    expect(error.field).toBe("resources.memoryMiB");
    expect(error.message).toBe("resources.memoryMiB: must be an integer");
    expect(error.details.field).toBe("resources.memoryMiB");
  });

  it("serialises to JSON without the stack", () => {
    const json = JSON.parse(
      JSON.stringify(new NotFoundError("no sandbox x", { provider: "local", details: { id: "x" } })),
    );
    expect(json).toEqual({
      name: "NotFoundError",
      code: "not_found",
      message: "no sandbox x",
      retryable: false,
      provider: "local",
      details: { id: "x" },
    });
  });

  it("rejects look-alikes in isSandboxError", () => {
    expect(isSandboxError(new Error("x"))).toBe(false);
    expect(isSandboxError({ code: "not_found", message: "x" })).toBe(false);
    expect(isSandboxError(null)).toBe(false);
    expect(isSandboxError("not_found")).toBe(false);
  });

  it("recognises errors from a second copy of the package", async () => {
    vi.resetModules();
    // A query string makes the module runner load a second, independent instance.
    const specifier = "../src/errors/index.js?copy";
    const copy = (await import(/* @vite-ignore */ specifier)) as typeof import("../src/errors/index.js");
    const foreign = new copy.NotFoundError("from the other copy");
    expect(foreign).not.toBeInstanceOf(NotFoundError);
    expect(isSandboxError(foreign)).toBe(true);
    expect(copy.isSandboxError(new TimeoutError("ours"))).toBe(true);
  });
});

describe("redaction in errors", () => {
  it("removes registered secrets from message, details and cause", () => {
    const secret = "super-secret-value-42";
    registerSecret(secret);
    try {
      const cause = Object.assign(new Error(`upstream said ${secret}`), { code: 14, detail: `x${secret}` });
      const error = new UnavailableError(`call failed with ${secret}`, { cause, details: { note: secret, count: 3 } });
      expect(error.message).toBe(`call failed with ${REDACTED}`);
      expect(error.details).toEqual({ note: REDACTED, count: 3 });
      const kept = error.cause as Error & { code: number; detail: string };
      expect(kept.message).toBe(`upstream said ${REDACTED}`);
      expect(kept.code).toBe(14);
      expect(kept.detail).toBe(`x${REDACTED}`);
      expect(kept.stack).not.toContain(secret);
      expect(JSON.stringify(error)).not.toContain(secret);
      expect(String(error.stack)).not.toContain(secret);
    } finally {
      unregisterSecret(secret);
    }
  });

  it("keeps a clean cause as the same object", () => {
    const cause = new Error("plain");
    expect(new InternalError("x", { cause }).cause).toBe(cause);
  });
});
