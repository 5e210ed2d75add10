import {
  type ErrorCode,
  type ExtensionName,
  type Extensions,
  isSandboxError,
  type Provider,
  type SandboxError,
  type SandboxInfo,
  type SandboxNode,
} from "@openlattice/core";
import type { CaseContext } from "../suite/case-context.js";
import { LABEL_RUN } from "../suite/suite-options.js";

/**
 * Awaits `operation` and returns the `SandboxError` it rejects with; throws when it resolves,
 * or rejects with an untyped error or a code outside `codes`.
 */
export async function expectSandboxError(
  operation: Promise<unknown> | (() => Promise<unknown>),
  codes: readonly ErrorCode[],
  what: string,
): Promise<SandboxError> {
  let result: unknown;
  try {
    result = await (typeof operation === "function" ? operation() : operation);
  } catch (error) {
    if (!isSandboxError(error)) {
      throw new Error(
        `${what}: expected a SandboxError with code ${codes.join(" or ")}, got an untyped ${String(error)}`,
      );
    }
    if (!codes.includes(error.code)) {
      throw new Error(`${what}: expected code ${codes.join(" or ")}, got ${error.code}: ${error.message}`);
    }
    return error;
  }
  throw new Error(`${what}: expected a rejection with code ${codes.join(" or ")}, but it resolved ${preview(result)}`);
}

/** Short, safe rendering of a value for failure messages. */
export function preview(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value, (_, v) => (v instanceof Uint8Array ? `<${v.byteLength} bytes>` : v)) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

/**
 * Whether `path` exists in the sandbox, read from stdout rather than from the exit code, so that
 * a case about files or snapshots does not also depend on exit codes being right.
 */
export async function pathExists(c: CaseContext, id: string, path: string): Promise<boolean> {
  const result = await c.exec(id, [
    "sh",
    "-c",
    'if [ -e "$1" ] || [ -L "$1" ]; then echo yes; else echo no; fi',
    "sh",
    path,
  ]);
  if (result.stdout !== "yes\n" && result.stdout !== "no\n")
    throw new Error(`existence check of ${path} printed ${JSON.stringify(result.stdout)}`);
  return result.stdout === "yes\n";
}

/** Polls `inspect` until the status is terminal or `timeoutMs` passes; returns the last info. */
export async function waitForEnd(c: CaseContext, id: string, timeoutMs: number): Promise<SandboxInfo> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const info = await c.provider.inspect(id);
    if (info.status === "terminated" || info.status === "failed" || Date.now() > deadline) return info;
    await sleep(250);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Compares bytes; on mismatch throws naming the first differing offset. */
export function assertBytesEqual(actual: Uint8Array, expected: Uint8Array, what: string): void {
  const length = Math.min(actual.byteLength, expected.byteLength);
  for (let i = 0; i < length; i++) {
    if (actual[i] !== expected[i]) throw new Error(`${what}: byte ${i} is ${actual[i]}, expected ${expected[i]}`);
  }
  if (actual.byteLength !== expected.byteLength) {
    throw new Error(`${what}: ${actual.byteLength} bytes, expected ${expected.byteLength}`);
  }
}

/** Concatenates chunks. */
export function joinChunks(chunks: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((sum, chunk) => sum + chunk.byteLength, 0));
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

/** Deterministic pseudo-random bytes (xorshift), so failures are reproducible. */
export function pseudoRandomBytes(length: number, seed = 0x9e3779b9): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

/** Every byte value 0..255 once, then in reverse: catches NUL, CR/LF and high-bit mangling. */
export function allByteValues(): Uint8Array {
  const out = new Uint8Array(512);
  for (let i = 0; i < 256; i++) {
    out[i] = i;
    out[511 - i] = i;
  }
  return out;
}

export const encoder = new TextEncoder();

/** Single-quotes a string for a POSIX shell (only used for paths the case made itself). */
export function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'"'"'`)}'`;
}

/** The optional `list({ labels })` of a provider, bound, or `undefined` when it has none. */
export function listOf(
  provider: Provider,
): ((filter: { labels?: Record<string, string> }) => Promise<readonly SandboxNode[]>) | undefined {
  const list = (provider as unknown as { list?: unknown }).list;
  if (typeof list !== "function") return undefined;
  return (filter) => Promise.resolve(list.call(provider, filter) as readonly SandboxNode[]);
}

/**
 * Ids of this run's live sandboxes carrying `labels` too, from the provider's `list`;
 * `undefined` when it has none. Cases may run concurrently: a label of the case's own keeps
 * other cases' sandboxes out.
 */
export async function liveIds(c: CaseContext, labels: Record<string, string> = {}): Promise<Set<string> | undefined> {
  const list = listOf(c.raw);
  if (!list) return undefined;
  const nodes = await list({ labels: { ...labels, [LABEL_RUN]: c.options.runId } });
  return new Set(
    nodes.filter((node) => node.status !== "terminated" && node.status !== "failed").map((node) => node.externalId),
  );
}

/**
 * The extension `name` of sandbox `id`, checked against the capabilities: when they do not
 * declare it and `getExtension` really returns `undefined`, the case ends `unsupported`; any
 * disagreement is a failure.
 */
export function requireExtension<K extends ExtensionName>(c: CaseContext, id: string, name: K): Extensions[K] {
  const declared = c.capabilities.extensions.includes(name);
  const extension = c.provider.getExtension(id, name) as Extensions[K] | undefined;
  if (!declared) {
    if (extension === undefined)
      c.unsupported(`capabilities.extensions lacks "${name}" and getExtension returns undefined`);
    throw new Error(`capabilities.extensions lacks "${name}" but getExtension returns it`);
  }
  if (extension === undefined)
    throw new Error(`capabilities.extensions declares "${name}" but getExtension returns undefined`);
  return extension;
}

/** Names the output of a check after the corpus id, so a failure says which value broke. */
export function firstMismatch(ids: readonly string[], expected: readonly string[], actual: string): string | undefined {
  const parts = actual.split("\u0000");
  for (let i = 0; i < expected.length; i++) {
    if (parts[i] !== expected[i])
      return `${ids[i]}: expected ${JSON.stringify(expected[i]?.slice(0, 80))}, got ${JSON.stringify(parts[i]?.slice(0, 80))}`;
  }
  return parts.length === expected.length + 1
    ? undefined
    : `expected ${expected.length} values, got ${parts.length - 1}`;
}
