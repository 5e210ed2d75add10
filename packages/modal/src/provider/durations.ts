import { InvalidArgumentError } from "@openlattice/core";

/** Lifetime applied when `duration.maxSeconds` is absent (Modal's own default would be 300 s). */
export const DEFAULT_LIFETIME_SECONDS = 3600;

/** Longest lifetime Modal documents for a sandbox (24 h). */
export const MAX_LIFETIME_SECONDS = 24 * 3600;

/**
 * Converts whole seconds to the SDK's milliseconds. The SDK takes milliseconds but sends
 * seconds and throws for values that are not multiples of 1000, so only whole seconds pass.
 */
export function secondsToModalMs(seconds: number, field: string, max = MAX_LIFETIME_SECONDS): number {
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > max) {
    throw new InvalidArgumentError(field, `must be a whole number of seconds from 1 to ${max}`, { provider: "modal" });
  }
  return seconds * 1000;
}

/** Rounds a millisecond timeout up to the next whole second, as the SDK's exec and snapshot calls need. */
export function ceilToSecondMs(ms: number): number {
  return Math.max(1000, Math.ceil(ms / 1000) * 1000);
}
