import data from "../../requirements.json" with { type: "json" };

/** RFC 2119 levels. A MUST failure makes a provider non-conformant; SHOULD and MAY failures are warnings. */
export type RequirementLevel = "MUST" | "SHOULD" | "MAY";

/**
 * Optional features a requirement depends on. When the provider's capabilities say no, the case
 * verifies that the feature really is absent and reports `unsupported`.
 */
export type RequirementCapability =
  | "files"
  | "network"
  | "metrics"
  | "lifecycle"
  | "snapshot"
  | "execStreaming"
  | "list"
  | "gpu"
  | "egress"
  | "processes"
  | "pty"
  | "fileStreams"
  | "fileWatch"
  | "lifetime";

/** One checked-in requirement of Provider spec v1. Ids are stable: never rename one. */
export interface Requirement {
  readonly id: string;
  readonly level: RequirementLevel;
  /** Family the requirement belongs to, e.g. `exec`; the report's capability matrix groups by it. */
  readonly area: string;
  readonly title: string;
  readonly capability?: RequirementCapability;
  /** A suite option the case needs; without it the case is `not-run` (e.g. `probeUrl` for egress). */
  readonly needs?: "probeUrl";
}

const LEVELS: readonly string[] = ["MUST", "SHOULD", "MAY"];
const CAPABILITIES: readonly string[] = [
  "files",
  "network",
  "metrics",
  "lifecycle",
  "snapshot",
  "execStreaming",
  "list",
  "gpu",
  "egress",
  "processes",
  "pty",
  "fileStreams",
  "fileWatch",
  "lifetime",
];

/** Validates the requirement data; throws on the first problem so a bad edit fails loudly. */
export function parseRequirements(value: unknown): readonly Requirement[] {
  const list = (value as { requirements?: unknown })?.requirements;
  if (!Array.isArray(list)) throw new Error("requirements.json: `requirements` must be an array");
  const seen = new Set<string>();
  return list.map((entry: Record<string, unknown>, index) => {
    const where = `requirements.json requirements[${index}]`;
    const { id, level, area, title, capability, needs } = entry;
    if (typeof id !== "string" || !/^[a-z][a-z0-9-]*(\.[a-z0-9-]+)+$/.test(id)) throw new Error(`${where}: bad id`);
    if (seen.has(id)) throw new Error(`${where}: duplicate id ${id}`);
    seen.add(id);
    if (typeof level !== "string" || !LEVELS.includes(level)) throw new Error(`${where}: bad level`);
    if (typeof area !== "string" || !id.startsWith(`${area}.`)) throw new Error(`${where}: area must prefix the id`);
    if (typeof title !== "string" || title === "") throw new Error(`${where}: missing title`);
    if (capability !== undefined && !CAPABILITIES.includes(capability as string)) {
      throw new Error(`${where}: unknown capability`);
    }
    if (needs !== undefined && needs !== "probeUrl") throw new Error(`${where}: unknown needs`);
    return entry as unknown as Requirement;
  });
}

/** Every requirement of spec v1, in report order. */
export const REQUIREMENTS: readonly Requirement[] = parseRequirements(data);

const BY_ID = new Map(REQUIREMENTS.map((requirement) => [requirement.id, requirement]));

/** The requirement with this id; throws for an unknown id (a typo in a case is a suite bug). */
export function getRequirement(id: string): Requirement {
  const requirement = BY_ID.get(id);
  if (!requirement) throw new Error(`unknown conformance requirement id ${JSON.stringify(id)}`);
  return requirement;
}
