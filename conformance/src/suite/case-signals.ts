/**
 * Thrown by a case to end it as `unsupported`: the provider's capabilities say no AND the case
 * verified that the operation really is absent. Never thrown on a capability flag alone.
 */
export class UnsupportedSignal extends Error {
  constructor(readonly reason: string) {
    super(`unsupported: ${reason}`);
    this.name = "UnsupportedSignal";
  }
}

/** Thrown by a case that could not run (missing option, missing tool in the image) with the reason. */
export class NotRunSignal extends Error {
  constructor(readonly reason: string) {
    super(`not-run: ${reason}`);
    this.name = "NotRunSignal";
  }
}

/** Prefixes of the skip note vitest records; the reporter parses them back into outcomes. */
export const UNSUPPORTED_PREFIX = "unsupported: ";
export const NOT_RUN_PREFIX = "not-run: ";
