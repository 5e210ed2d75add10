import type { Requirement } from "./requirement-list.js";

/** Markers around the generated table in README.md. */
export const TABLE_START = "<!-- requirements:start (generated from requirements.json; do not edit) -->";
export const TABLE_END = "<!-- requirements:end -->";

/** Renders the requirement list as a markdown table (one row per requirement, in list order). */
export function renderRequirementTable(requirements: readonly Requirement[]): string {
  const rows = requirements.map((requirement) => {
    const gate = [
      ...(requirement.capability ? [`\`${requirement.capability}\``] : []),
      ...(requirement.needs ? [`needs \`${requirement.needs}\``] : []),
    ].join(", ");
    return `| \`${requirement.id}\` | ${requirement.level} | ${escapeCell(requirement.title)} | ${gate} |`;
  });
  return ["| Id | Level | Requirement | Gated by |", "| --- | --- | --- | --- |", ...rows].join("\n");
}

/** Replaces the generated section of `readme` with `table`; throws when the markers are missing. */
export function replaceRequirementTable(readme: string, table: string): string {
  const start = readme.indexOf(TABLE_START);
  const end = readme.indexOf(TABLE_END);
  if (start < 0 || end < start) throw new Error("README.md lacks the requirements table markers");
  return `${readme.slice(0, start + TABLE_START.length)}\n${table}\n${readme.slice(end)}`;
}

/**
 * Whether the README's generated section holds `table`. Cell padding is ignored: the formatter
 * (Biome) aligns markdown tables, which must not make the table look stale.
 */
export function isRequirementTableCurrent(readme: string, table: string): boolean {
  const start = readme.indexOf(TABLE_START);
  const end = readme.indexOf(TABLE_END);
  if (start < 0 || end < start) return false;
  const normalize = (text: string) =>
    text
      .trim()
      .split("\n")
      .map((line) => line.replace(/-{3,}/g, "---").replace(/ +/g, " ").trim())
      .join("\n");
  return normalize(readme.slice(start + TABLE_START.length, end)) === normalize(table);
}

function escapeCell(text: string): string {
  return text.replaceAll("|", "\\|");
}
