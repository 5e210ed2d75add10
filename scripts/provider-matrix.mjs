#!/usr/bin/env node
/**
 * Renders the README's "Choose a provider" table from the conformance report the test run
 * wrote (reports/conformance.json): what each shipped provider declares, and what the suite
 * verified, per area.
 *
 *   node scripts/provider-matrix.mjs --write   # update README.md
 *   node scripts/provider-matrix.mjs --check   # exit 1 when README.md is stale (part of pnpm test)
 */
import { readFileSync, writeFileSync } from "node:fs";

const PROVIDERS = [
  ["local-namespace", "local (namespace)"],
  ["local-none", "local (none)"],
  ["modal (emulator)", "modal (via emulator)"],
];
const START = "<!-- provider-matrix:start -->";
const END = "<!-- provider-matrix:end -->";
const ICON = { pass: "✅ verified", fail: "❌ fail", unsupported: "➖ unsupported (verified)", "not-run": "⚠️ not run" };

const report = JSON.parse(readFileSync("reports/conformance.json", "utf8"));
const found = PROVIDERS.map(([name]) => report.providers.find((entry) => entry.provider === name));
const missing = PROVIDERS.filter((_, index) => !found[index]).map(([name]) => name);
if (missing.length) {
  console.error(`reports/conformance.json lacks ${missing.join(", ")}: run the whole suite (pnpm test) first`);
  process.exit(1);
}

const row = (label, cells) => `| ${label} | ${cells.join(" | ")} |`;
const declared = (pick) => found.map((entry) => pick(entry.declaredCapabilities ?? {}));
const lines = [
  row(
    "",
    PROVIDERS.map(([, label]) => `**${label}**`),
  ),
  row(
    "---",
    PROVIDERS.map(() => "---"),
  ),
  row(
    "verdict",
    found.map(
      (entry) =>
        `${entry.verdict} (${entry.summary.pass} pass, ${entry.summary.unsupported} unsupported, ${entry.summary.fail} fail)`,
    ),
  ),
  row(
    "isolation",
    declared((caps) => String(caps.isolation)),
  ),
  row(
    "snapshots",
    declared((caps) => (caps.snapshot ? (caps.snapshotTypes ?? []).join(", ") : "no")),
  ),
  row(
    "GPU",
    declared((caps) => (caps.gpu ? (caps.constraints?.gpuTypes ?? []).join(", ") : "no")),
  ),
  row(
    "egress policies",
    declared((caps) => (caps.egress ?? []).join(", ")),
  ),
  row(
    "tailscale",
    declared((caps) => (caps.tailscale ? "yes" : "no")),
  ),
];
const areas = [...new Set(found.flatMap((entry) => Object.keys(entry.areas)))];
for (const area of areas)
  lines.push(
    row(
      area,
      found.map((entry) => ICON[entry.areas[area]] ?? "—"),
    ),
  );
const table = `${START}\n${lines.join("\n")}\n\n_Generated from \`reports/conformance.json\` by \`node scripts/provider-matrix.mjs --write\`; \`pnpm test\` fails when it is stale._\n${END}`;

/** Biome pads markdown tables; padding and dash counts are not content. */
function normalize(text) {
  return text
    .split("\n")
    .map((line) => (line.startsWith("|") ? line.replace(/\s*\|\s*/g, "|").replace(/-{3,}/g, "---") : line))
    .join("\n");
}

const readme = readFileSync("README.md", "utf8");
const start = readme.indexOf(START);
const end = readme.indexOf(END);
if (start < 0 || end < 0) {
  console.error(`README.md has no ${START} … ${END} section`);
  process.exit(1);
}
const updated = `${readme.slice(0, start)}${table}${readme.slice(end + END.length)}`;
if (process.argv.includes("--write")) {
  writeFileSync("README.md", updated);
  console.log("README.md provider table updated");
} else if (normalize(updated) !== normalize(readme)) {
  console.error(
    "README.md's provider table is stale: run `node scripts/provider-matrix.mjs --write` after `pnpm test`",
  );
  process.exit(1);
} else {
  console.log("README.md provider table is up to date");
}
