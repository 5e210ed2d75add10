import { SANDBOX_STATUSES, type SandboxInfo } from "@openlattice/core";
import { expect } from "vitest";
import { hostileCorpus } from "../hostile-corpus.js";
import type { CaseContext } from "../suite/case-context.js";
import { LABEL_RUN } from "../suite/suite-options.js";
import type { CaseDefinition } from "./case-definition.js";
import { listOf, sleep } from "./case-helpers.js";

/** Label values from the hostile corpus that labels accept (at most 256 characters, no NUL). */
const HOSTILE_LABELS: Record<string, string> = Object.fromEntries(
  hostileCorpus()
    .filter((entry) => entry.target === "env-value" && entry.expect === "exact" && entry.value.length <= 256)
    .slice(0, 40)
    .map((entry, index) => [`olc.hostile-${index}`, entry.value]),
);

/** Throws unless `date` lies in [from - skew, to + skew]. */
function assertWithin(c: CaseContext, date: Date | undefined, from: number, to: number, what: string): void {
  if (!(date instanceof Date) || Number.isNaN(date.getTime())) throw new Error(`${what} is not a valid Date`);
  const skew = c.options.clockSkewMs;
  const at = date.getTime();
  if (at < from - skew || at > to + skew) {
    throw new Error(
      `${what} is ${date.toISOString()}, outside the window the suite observed (${new Date(from).toISOString()} … ${new Date(to).toISOString()}, ± ${skew} ms)`,
    );
  }
}

/** The `list` method, or `unsupported` when the provider has none (it is optional in spec v1). */
function requireList(c: CaseContext) {
  const list = listOf(c.raw);
  if (!list) c.unsupported("the provider has no list() (optional in spec v1)");
  return list;
}

const live = (info: { status: string }) => info.status !== "terminated" && info.status !== "failed";

/** What inspect and list report about sandboxes. */
export const SANDBOX_INSPECT_CASES: readonly CaseDefinition[] = [
  {
    id: "sandbox.inspect.running",
    run: async (c) => {
      const node = await c.provision();
      const info = await c.provider.inspect(node.externalId);
      expect(info.externalId, "inspect externalId").toBe(node.externalId);
      expect(info.provider, "inspect provider").toBe(c.raw.name);
      expect(info.status, "inspect status").toBe("running");
      expect(SANDBOX_STATUSES).toContain(info.status);
      expect(info.labels[LABEL_RUN], "inspect labels").toBe(c.options.runId);
    },
  },
  {
    id: "sandbox.inspect.exact",
    run: async (c) => {
      const before = Date.now();
      const node = await c.provision({ labels: HOSTILE_LABELS });
      const after = Date.now();
      const expected = c.spec({ labels: HOSTILE_LABELS }).labels;
      expect(node.labels, "node.labels (hostile values)").toEqual(expected);
      const info = await c.provider.inspect(node.externalId);
      expect(info.labels, "inspect labels (hostile values)").toEqual(expected);
      assertWithin(c, node.createdAt, before, after, "node.createdAt");
      const image = c.options.image ?? c.capabilities.constraints.defaultImage;
      if (info.image !== undefined && image !== undefined) expect(info.image, "inspect image").toBe(image);
      assertWithin(c, info.createdAt, before, after, "inspect createdAt");
      if (info.startedAt !== undefined) assertWithin(c, info.startedAt, before, after, "inspect startedAt");
      await sleep(1_100);
      const later: SandboxInfo = await c.provider.inspect(node.externalId);
      expect(later.createdAt?.getTime(), "createdAt is the same a second later").toBe(info.createdAt?.getTime());
      const destroyFrom = Date.now();
      await c.provider.destroy(node.externalId);
      const destroyTo = Date.now();
      const ended = await c.provider.inspect(node.externalId);
      if (ended.endedAt !== undefined) assertWithin(c, ended.endedAt, destroyFrom, destroyTo, "endedAt after destroy");
      if (ended.createdAt !== undefined) {
        expect(ended.createdAt.getTime(), "createdAt after destroy").toBe(info.createdAt?.getTime());
      }
    },
  },
  {
    id: "sandbox.inspect.unknown",
    run: async (c) => {
      const id = unknownId();
      const info = await c.provider.inspect(id);
      expect(info.status, "status of an unknown id").toBe("terminated");
      expect(info.externalId, "externalId of an unknown id").toBe(id);
      expect(typeof info.reason === "string" && info.reason.length > 0, "reason says why (e.g. not found)").toBe(true);
    },
  },
  {
    id: "sandbox.list.live-only",
    run: async (c) => {
      const list = requireList(c);
      const probe = { "openlattice.list-live": `live-${Math.random().toString(36).slice(2, 10)}` };
      const gone = await c.provision({ labels: probe });
      const kept = await c.provision({ labels: probe });
      await c.provider.destroy(gone.externalId);
      const found = await list({ labels: probe });
      expect(
        found.map((entry) => entry.externalId),
        "list by the probe label after destroying one of two sandboxes",
      ).toEqual([kept.externalId]);
      expect(found.every(live), `statuses ${found.map((entry) => entry.status).join(", ")}`).toBe(true);
      const unfiltered = await list({});
      const ids = unfiltered.map((entry) => entry.externalId);
      expect(ids, "list without a filter shows the live sandbox").toContain(kept.externalId);
      expect(ids, "list without a filter shows the destroyed sandbox").not.toContain(gone.externalId);
    },
  },
  {
    id: "sandbox.list.shared",
    run: async (c) => {
      requireList(c);
      const probe = { "openlattice.list-shared": `shared-${Math.random().toString(36).slice(2, 10)}` };
      const node = await c.provision({ labels: probe });
      const other = await c.freshProvider();
      const otherList = listOf(other);
      if (!otherList) throw new Error("a second provider instance has no list(), unlike the first");
      const found = await otherList({ labels: { ...probe, [LABEL_RUN]: c.options.runId } });
      expect(
        found.map((entry) => entry.externalId),
        "a second provider instance lists the first one's sandbox",
      ).toEqual([node.externalId]);
      const info = await other.inspect(node.externalId);
      expect(info.status, "a second provider instance inspects the first one's sandbox").toBe("running");
      expect(info.labels, "labels seen through the second instance").toEqual(node.labels);
    },
  },
];

/** An id no provider made. */
export function unknownId(): string {
  return `olc-never-created-${Math.random().toString(36).slice(2, 12)}`;
}
