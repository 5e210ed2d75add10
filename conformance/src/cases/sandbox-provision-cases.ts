import { isSandboxError } from "@openlattice/core";
import { expect } from "vitest";
import { withDeadline } from "../suite/sandbox-tracker.js";
import { LABEL_RUN } from "../suite/suite-options.js";
import type { CaseDefinition } from "./case-definition.js";
import { listOf, liveIds } from "./case-helpers.js";

/** A label value unique to one probe, so a case finds exactly its own sandboxes. */
const uniqueMarker = (prefix: string) => `${prefix}-${Math.random().toString(36).slice(2, 10)}`;

/** Provisioning: the node it returns, idempotency keys and cancellation. */
export const SANDBOX_PROVISION_CASES: readonly CaseDefinition[] = [
  {
    id: "sandbox.provision.node",
    run: async (c) => {
      const before = Date.now();
      const node = await c.provision({
        name: "olc-named.sandbox_1",
        labels: { "conformance.extra": "value with spaces/ü" },
      });
      expect(node.name, "node.name").toBe("olc-named.sandbox_1");
      expect((await c.provider.inspect(node.externalId)).name, "inspect name").toBe("olc-named.sandbox_1");
      expect(
        typeof node.externalId === "string" && node.externalId.length > 0,
        "externalId is a non-empty string",
      ).toBe(true);
      expect(node.provider, "node.provider").toBe(c.raw.name);
      expect(node.status, "node.status").toBe("running");
      expect(
        node.createdAt instanceof Date && !Number.isNaN(node.createdAt.getTime()),
        "createdAt is a valid Date",
      ).toBe(true);
      // Clocks of remote backends drift; a day either way still catches seconds-vs-milliseconds bugs.
      expect(Math.abs(node.createdAt.getTime() - before), "createdAt is close to now").toBeLessThan(86_400_000);
      expect(node.labels[LABEL_RUN], "node.labels carries the run label").toBe(c.options.runId);
      expect(node.labels["conformance.extra"], "node.labels carries every given label").toBe("value with spaces/ü");
      const other = await c.provision();
      expect(other.externalId, "two sandboxes get different ids").not.toBe(node.externalId);
    },
  },
  {
    id: "sandbox.provision.idempotency-key",
    run: async (c) => {
      const key = `olc-${c.options.runId}-${Math.random().toString(36).slice(2, 10)}`;
      const first = await c.provision({ idempotencyKey: key });
      const second = await c.provision({ idempotencyKey: key });
      expect(second.externalId, "the same key returns the same sandbox").toBe(first.externalId);
      const other = await c.provision({ idempotencyKey: `${key}-other` });
      expect(other.externalId, "another key makes another sandbox").not.toBe(first.externalId);
      // A provision that failed claims nothing: a retry with its key must be able to succeed.
      const failedKey = `${key}-failed`;
      const failed = await c
        .provision({ idempotencyKey: failedKey, runtime: { command: ["sh", "-c", "exit 3"] } })
        .then(
          () => undefined,
          (error: unknown) => error,
        );
      expect(isSandboxError(failed) ? failed.code : failed, "a provision whose setup command fails").toBe(
        "setup_failed",
      );
      const retried = await c.provision({ idempotencyKey: failedKey });
      expect(
        (await c.exec(retried.externalId, ["true"])).exitCode,
        "exec in a retry with the key of a failed provision",
      ).toBe(0);
    },
  },
  {
    id: "sandbox.provision.idempotency-concurrent",
    run: async (c) => {
      const key = `olc-${c.options.runId}-${Math.random().toString(36).slice(2, 10)}`;
      const probe = { "openlattice.idempotency-probe": uniqueMarker("idem") };
      // The retry that raced its lost first attempt: both calls are in flight at once.
      const nodes = await Promise.all([0, 1, 2].map(() => c.provision({ idempotencyKey: key, labels: probe })));
      expect(
        nodes.map((node) => node.externalId),
        "three concurrent provisions with one idempotencyKey",
      ).toEqual(nodes.map(() => nodes[0]?.externalId));
      const live = await liveIds(c, probe);
      if (live) expect([...live], "live sandboxes carrying the probe label").toEqual([nodes[0]?.externalId]);
      else c.note("the provider has no list(): only the returned ids were compared");
    },
  },
  {
    id: "sandbox.provision.abort",
    run: async (c) => {
      const reason = new Error("conformance provision abort");
      const controller = new AbortController();
      controller.abort(reason);
      const marker = `olc-abort-${Math.random().toString(36).slice(2, 10)}`;
      let settled: unknown = "resolved";
      try {
        await c.provider.provision(c.spec({ labels: { "openlattice.abort-probe": marker } }), {
          signal: controller.signal,
        });
      } catch (error) {
        settled = error;
      }
      expect(settled, "provision with an aborted signal rejects with its reason").toBe(reason);
      const listing = listOf(c.raw);
      if (listing) {
        const left = await listing({ labels: { "openlattice.abort-probe": marker } });
        expect(
          left.filter((node) => node.status !== "terminated" && node.status !== "failed"),
          "sandboxes left by an aborted provision",
        ).toEqual([]);
      } else {
        c.note("the provider has no list(): only the rejection was checked");
      }
    },
  },
  {
    id: "sandbox.provision.abort-in-flight",
    run: async (c) => {
      c.requireImage();
      const reason = new Error("conformance abort while provisioning");
      const controller = new AbortController();
      const probe = { "openlattice.abort-probe": uniqueMarker("abort-in-flight") };
      // The setup command keeps provisioning in flight long enough to abort it midway.
      const pending = c.provider
        .provision(c.spec({ labels: probe, runtime: { command: ["sleep", "600"] } }), { signal: controller.signal })
        .then(
          () => "resolved" as const,
          (error: unknown) => error,
        );
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      controller.abort(reason);
      const settled = await withDeadline(pending, c.options.timeouts.killGraceMs, "a provision aborted in flight");
      expect(settled, "an in-flight provision rejects with the signal's reason").toBe(reason);
      // Aborted on the next tick, with no setup command: the abort lands while the sandbox is made.
      const early = new AbortController();
      let abortedAt = Number.POSITIVE_INFINITY;
      let resolvedAt = Number.POSITIVE_INFINITY;
      const quick = c.provider.provision(c.spec({ labels: probe }), { signal: early.signal }).then(
        (node) => {
          resolvedAt = performance.now();
          return node;
        },
        (error: unknown) => error,
      );
      setTimeout(() => {
        abortedAt = performance.now();
        early.abort(reason);
      }, 0);
      const quickSettled = await withDeadline(
        quick,
        c.options.timeouts.killGraceMs,
        "a provision aborted on the next tick",
      );
      if (resolvedAt < abortedAt) {
        // Finished before the abort: a sandbox that rightly exists, not one left behind.
        c.note("provisioning finished before the next tick, ahead of the abort");
        await c.provider.destroy((quickSettled as { externalId: string }).externalId);
      } else {
        expect(quickSettled, "a provision aborted on the next tick rejects with the signal's reason").toBe(reason);
      }
      const list = listOf(c.raw);
      if (!list) return c.note("the provider has no list(): only the rejection was checked");
      const left = await list({ labels: { ...probe, [LABEL_RUN]: c.options.runId } });
      expect(
        left.filter((node) => node.status !== "terminated" && node.status !== "failed").map((node) => node.externalId),
        "live sandboxes left by the aborted provision",
      ).toEqual([]);
    },
  },
];
