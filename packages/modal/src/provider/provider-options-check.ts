import { InvalidArgumentError } from "@openlattice/core";
import { MAX_LIFETIME_SECONDS } from "./durations.js";
import type { ModalProviderOptions } from "./modal-provider-options.js";

const fail = (field: string, message: string) => new InvalidArgumentError(field, message, { provider: "modal" });

function positiveMs(options: ModalProviderOptions, field: keyof ModalProviderOptions): void {
  const value = options[field];
  if (value === undefined) return;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > 2 ** 31 - 1) {
    throw fail(field, "must be a whole number of milliseconds from 1 to 2147483647");
  }
}

/** Checks the constructor options, so that a bad option fails at once rather than mid-provision. */
export function checkProviderOptions(options: ModalProviderOptions): void {
  const duration = options.defaultDurationSeconds;
  if (duration !== undefined && (!Number.isInteger(duration) || duration < 1 || duration > MAX_LIFETIME_SECONDS)) {
    throw fail("defaultDurationSeconds", `must be a whole number of seconds from 1 to ${MAX_LIFETIME_SECONDS}`);
  }
  positiveMs(options, "snapshotTimeoutMs");
  positiveMs(options, "healthCheckTimeoutMs");
  positiveMs(options, "gpuSchedulingTimeoutMs");
  const ttl = options.snapshotTtlMs;
  if (ttl !== undefined && ttl !== null && (!Number.isInteger(ttl) || ttl < 1000 || ttl % 1000 !== 0)) {
    throw fail(
      "snapshotTtlMs",
      "must be null (keep) or a whole number of seconds in ms (a multiple of 1000, at least 1000)",
    );
  }
  const port = options.tailscale?.proxyPort;
  if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535)) {
    throw fail("tailscale.proxyPort", "must be a port number from 1 to 65535");
  }
  const ready = options.tailscale?.readyTimeoutMs;
  if (ready !== undefined && (!Number.isInteger(ready) || ready < 1000)) {
    throw fail("tailscale.readyTimeoutMs", "must be a whole number of milliseconds, at least 1000");
  }
}
