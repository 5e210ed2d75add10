/**
 * Secret redaction. Registered secret values and token-shaped strings are replaced with
 * `[REDACTED]` wherever core formats text that may reach a log or an error message.
 *
 * The registry lives on `globalThis` under a `Symbol.for` key so that two copies of
 * `@openlattice/core` in one process (a common npm layout) share it.
 */

export const REDACTED = "[REDACTED]";

/** Secrets shorter than this are not registered: replacing them would mangle ordinary text. */
export const MIN_SECRET_LENGTH = 6;

const REGISTRY_KEY = Symbol.for("openlattice.core.secret-registry");

type Registry = { values: Map<string, number> };

function registry(): Registry {
  const holder = globalThis as unknown as Record<symbol, Registry | undefined>;
  let existing = holder[REGISTRY_KEY];
  if (!existing) {
    existing = { values: new Map() };
    holder[REGISTRY_KEY] = existing;
  }
  return existing;
}

/**
 * Token shapes that are redacted even when nobody registered them. Each pattern matches the
 * whole token so that no prefix or suffix of the secret survives.
 */
const TOKEN_PATTERNS: readonly RegExp[] = [
  /tskey-[A-Za-z0-9_-]{6,}/g, // Tailscale auth and API keys
  /\b(?:ak|as|wk|ws)-[A-Za-z0-9]{16,}\b/g, // Modal token ids and secrets
  /\bgh[pousr]_[A-Za-z0-9]{20,}\b/g, // GitHub tokens
  /\bgithub_pat_[A-Za-z0-9_]{20,}\b/g,
  /\b(?:sk|pk|rk)-[A-Za-z0-9_-]{20,}\b/g, // OpenAI/Stripe-style keys
  /\bxox[abprs]-[A-Za-z0-9-]{10,}\b/g, // Slack tokens
  /\bAKIA[0-9A-Z]{16}\b/g, // AWS access key ids
  /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\b/g, // JWTs
  /(\bBearer\s+)[A-Za-z0-9._~+/=-]{8,}/gi,
  // key=value and "key": "value" forms, e.g. in URLs, env dumps and JSON bodies.
  /(\b(?:token|secret|password|passwd|api[_-]?key|auth[_-]?key|access[_-]?key)(?:=|"\s*:\s*"))[^\s"'&,;]{4,}/gi,
];

/**
 * Registers a secret value so that it is redacted from every error message and log line that
 * core formats from now on. Registering the same value twice is harmless; each registration
 * is balanced by one {@link unregisterSecret}.
 */
export function registerSecret(value: string): void {
  if (typeof value !== "string" || value.length < MIN_SECRET_LENGTH) return;
  const values = registry().values;
  values.set(value, (values.get(value) ?? 0) + 1);
}

/** Removes one registration of `value`; the value stays redacted while other registrations remain. */
export function unregisterSecret(value: string): void {
  const values = registry().values;
  const count = values.get(value);
  if (count === undefined) return;
  if (count <= 1) values.delete(value);
  else values.set(value, count - 1);
}

/** True when `value` is a registered secret. */
export function isRegisteredSecret(value: string): boolean {
  return registry().values.has(value);
}

/** Replaces registered secrets and token-shaped strings in `text` with `[REDACTED]`. */
export function redact(text: string): string {
  let result = text;
  // Longest first, so that a secret containing another registered secret is removed whole.
  const secrets = [...registry().values.keys()].sort((left, right) => right.length - left.length);
  for (const secret of secrets) {
    if (result.includes(secret)) result = result.split(secret).join(REDACTED);
  }
  for (const pattern of TOKEN_PATTERNS) {
    result = result.replace(pattern, (match: string, prefix?: unknown) =>
      typeof prefix === "string" && match.startsWith(prefix) ? `${prefix}${REDACTED}` : REDACTED,
    );
  }
  return result;
}

/** True when `text` contains a registered secret or a token-shaped string. */
export function containsSecret(text: string): boolean {
  return redact(text) !== text;
}

/**
 * Returns a deep copy of `value` with every string passed through {@link redact}. Use it on
 * objects before logging them. Cycles are replaced with `"[Circular]"`.
 */
export function redactDeep<T>(value: T): T {
  return redactInner(value, new WeakSet()) as T;
}

function redactInner(value: unknown, seen: WeakSet<object>): unknown {
  if (typeof value === "string") return redact(value);
  if (value === null || typeof value !== "object") return value;
  if (value instanceof Date || value instanceof Uint8Array) return value;
  if (seen.has(value)) return "[Circular]";
  seen.add(value);
  if (Array.isArray(value)) return value.map((item) => redactInner(item, seen));
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) copy[key] = redactInner(item, seen);
  return copy;
}
