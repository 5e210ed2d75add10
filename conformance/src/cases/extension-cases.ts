import { EXTENSION_NAMES, hasErrorCode } from "@openlattice/core";
import { expect } from "vitest";
import { LABEL_RUN } from "../suite/suite-options.js";
import type { CaseDefinition } from "./case-definition.js";
import { listOf, preview } from "./case-helpers.js";

/** getExtension's contract, and the final leak check of the run. */
export const EXTENSION_CASES: readonly CaseDefinition[] = [
  {
    id: "extensions.unknown",
    run: async (c) => {
      const node = await c.provision();
      // Prototype names catch implementations that index a plain object with the name.
      for (const name of ["olc-no-such-extension", "", "toString", "constructor", "__proto__", "hasOwnProperty"]) {
        let value: unknown;
        try {
          value = c.provider.getExtension(node.externalId, name);
        } catch (error) {
          throw new Error(`getExtension(id, ${JSON.stringify(name)}) threw: ${String(error)}`);
        }
        expect(value, `getExtension(id, ${JSON.stringify(name)})`).toBeUndefined();
      }
    },
  },
  {
    id: "extensions.agree",
    run: async (c) => {
      const node = await c.provision();
      const declared = c.capabilities.extensions;
      const problems: string[] = [];
      for (const name of EXTENSION_NAMES) {
        const present = c.provider.getExtension(node.externalId, name) !== undefined;
        if (declared.includes(name) !== present) {
          problems.push(
            `"${name}": capabilities.extensions ${declared.includes(name) ? "declares" : "lacks"} it but getExtension returns ${present ? "it" : "undefined"}`,
          );
        }
      }
      if (c.capabilities.pause !== declared.includes("lifecycle")) {
        problems.push(
          `capabilities.pause is ${c.capabilities.pause} but the lifecycle extension is ${declared.includes("lifecycle") ? "declared" : "not declared"}`,
        );
      }
      if (problems.length > 0) throw new Error(problems.join("\n"));
    },
  },
  {
    id: "cleanup.list-by-label",
    run: async (c) => {
      const list = listOf(c.raw);
      if (!list) return c.unsupported("the provider has no list() (optional in spec v1)");
      const key = "openlattice.list-probe";
      const marker = `olc-list-${Math.random().toString(36).slice(2, 10)}`;
      const node = await c.provision({ labels: { [key]: marker } });
      // Same key, another value: a filter that matches keys only would return it too.
      const sibling = await c.provision({ labels: { [key]: `${marker}-other` } });
      const plain = await c.provision();
      const ids = async (labels: Record<string, string>) => (await list({ labels })).map((entry) => entry.externalId);
      expect(await ids({ [key]: marker }), "list by a unique label value").toEqual([node.externalId]);
      expect(await ids({ [key]: marker, [LABEL_RUN]: c.options.runId }), "list by two labels").toEqual([
        node.externalId,
      ]);
      expect(await ids({ [key]: marker, "openlattice.absent": "x" }), "list by a label no sandbox has").toEqual([]);
      const byRun = await ids({ [LABEL_RUN]: c.options.runId });
      for (const expected of [node, sibling, plain]) {
        expect(byRun, "list by the run label").toContain(expected.externalId);
      }
    },
  },
  {
    id: "cleanup.no-leaks",
    last: true,
    run: async (c) => {
      const ids = [...c.runSandboxes];
      const leaks: string[] = [];
      for (const id of ids) {
        try {
          const info = await c.raw.inspect(id);
          if (info.status !== "terminated" && info.status !== "failed") leaks.push(`${id} is ${info.status}`);
        } catch (error) {
          if (!hasErrorCode(error, "not_found")) leaks.push(`inspect(${id}) threw ${String(error)}`);
        }
      }
      const list = listOf(c.raw);
      if (list) {
        const left = await list({ labels: { [LABEL_RUN]: c.options.runId } });
        for (const node of left) {
          if (node.status !== "terminated" && node.status !== "failed")
            leaks.push(`list() still shows ${preview(node.externalId)} (${node.status})`);
        }
      } else {
        c.note(`the provider has no list(); checked the ${ids.length} sandboxes this run created through inspect`);
      }
      if (leaks.length > 0)
        throw new Error(`sandboxes labelled ${LABEL_RUN}=${c.options.runId} are still alive:\n${leaks.join("\n")}`);
    },
  },
];
