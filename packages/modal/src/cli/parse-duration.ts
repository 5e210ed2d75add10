/** Parses `90s`, `15m`, `2h`, `1d` or a number of milliseconds into milliseconds. */
export function parseDurationMs(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(text.trim());
  if (!match) throw new Error(`invalid duration ${JSON.stringify(text)}; use e.g. 90s, 15m, 2h or 1d`);
  const value = Number(match[1]);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] ?? "ms"] ?? 1;
  return value * unit;
}
