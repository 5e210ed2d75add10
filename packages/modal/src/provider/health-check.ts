import { type HealthReport, isSandboxError, redact } from "@openlattice/core";
import { mapModalError } from "./map-modal-error.js";

/** Default deadline of `healthCheck`, in ms. */
export const DEFAULT_HEALTH_TIMEOUT_MS = 5000;

/** Why a health check failed, as its message starts and `details.kind` says. */
export type HealthFailureKind = "unreachable" | "authentication" | "configuration";

/**
 * Runs `probe` (an authenticated round trip) within `timeoutMs` and reports, never throwing.
 * A server that accepts connections but never answers is reported unreachable at the
 * deadline; the abandoned call ends on its own (the SDK bounds its own retries).
 */
export async function checkHealth(
  probe: () => Promise<Record<string, unknown>>,
  timeoutMs: number,
  server: () => string | undefined,
): Promise<HealthReport> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<"deadline">((resolve) => {
    timer = setTimeout(() => resolve("deadline"), timeoutMs);
  });
  const attempt = probe();
  attempt.catch(() => undefined);
  try {
    const outcome = await Promise.race([attempt, deadline]);
    const latencyMs = performance.now() - started;
    if (outcome === "deadline") {
      return failure("unreachable", `no answer from ${server() ?? "Modal"} within ${timeoutMs} ms`, latencyMs, {
        code: "timeout",
        retryable: true,
      });
    }
    return { healthy: true, latencyMs, details: outcome };
  } catch (error) {
    const latencyMs = performance.now() - started;
    const mapped = mapModalError(error, { operation: "healthCheck" });
    return failure(classify(error, mapped.code), mapped.message, latencyMs, {
      code: mapped.code,
      retryable: mapped.retryable,
    });
  } finally {
    if (timer) clearTimeout(timer);
  }
}

function failure(
  kind: HealthFailureKind,
  message: string,
  latencyMs: number,
  details: Record<string, unknown>,
): HealthReport {
  const hint = {
    unreachable: "check the network and the server URL",
    authentication: "check the token id and secret (MODAL_TOKEN_ID / MODAL_TOKEN_SECRET)",
    configuration: "check the provider options and ~/.modal.toml",
  }[kind];
  return { healthy: false, latencyMs, message: `${kind}: ${redact(message)} (${hint})`, details: { kind, ...details } };
}

/**
 * Unreachable: the server cannot be reached or does not answer (transport errors, timeouts,
 * unavailability). Authentication: it answered that the credentials are wrong. Configuration:
 * the client cannot even ask (no credentials, conflicting options, unknown environment).
 */
function classify(error: unknown, code: string): HealthFailureKind {
  const text = error instanceof Error ? error.message : String(error);
  if (/missing credentials|must all be configured|Invalid URL|environment .* not found/i.test(text)) {
    return "configuration";
  }
  if (isSandboxError(error)) return code === "authentication" ? "authentication" : "configuration";
  if (code === "authentication") return "authentication";
  if (code === "invalid_argument" || code === "not_found" || code === "unsupported") return "configuration";
  return "unreachable";
}
