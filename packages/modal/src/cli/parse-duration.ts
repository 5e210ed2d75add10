/**
 * Parses `500ms`, `90s`, `15m`, `2h` or `1d` into milliseconds. A unit is required: in a
 * destructive command, a bare `2` silently meaning 2 ms would be a trap.
 */
export function parseDurationMs(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(text.trim());
  if (!match) {
    throw new Error(
      `invalid duration ${JSON.stringify(text)}: give a number with a unit, e.g. 500ms, 90s, 15m, 2h or 1d`,
    );
  }
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] as "ms" | "s" | "m" | "h" | "d"];
  return Number(match[1]) * unit;
}
