/**
 * The warm pool between its watermarks: filled in the background, refilled only once it runs
 * below `lowWater`, a pooled sandbox that dies replaced, everything gone after `close()`.
 */
import { readdirSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { LocalProvider } from "../src/index.js";
import { SKIP_REASON, skipTier, sleep, TIERS, tempStateDir, waitFor } from "./helpers.js";
import { leftovers, processesMentioning } from "./leftovers.js";

describe.each(TIERS)("warm pool (%s tier)", (tier) => {
  const skip = skipTier(tier);
  const name = (text: string) => `${text}${tier === "namespace" ? SKIP_REASON : ""}`;

  it.skipIf(skip)(name("keeps between its watermarks and replaces a pooled sandbox that died"), async () => {
    const stateDir = tempStateDir();
    const records = () => readdirSync(path.join(stateDir, "sandboxes")).filter((id) => id.startsWith("sbx-"));
    const provider = new LocalProvider({ isolation: tier, stateDir, warmPool: { size: 4, lowWater: 2 } });
    try {
      await provider.warmUp();
      const pooled = records();
      expect(pooled).toHaveLength(4);
      const first = await provider.provision({ labels: { n: "1" } });
      expect(pooled).toContain(first.externalId);
      // Three still ready, above the low watermark: nothing is started.
      await sleep(300);
      expect(records()).toHaveLength(4);
      const more = await Promise.all([provider.provision({}), provider.provision({})]);
      for (const node of more) expect(pooled).toContain(node.externalId);
      // One left, below the watermark: the pool refills to its size in the background.
      await waitFor(async () => (records().length === 7 ? true : undefined), 20_000);
      await provider.warmUp();
      const handed = new Set([first.externalId, ...more.map((node) => node.externalId)]);
      const ready = records().filter((id) => !handed.has(id));
      expect(ready).toHaveLength(4);
      // A pooled sandbox killed from outside is noticed and replaced.
      const victim = ready[0] as string;
      // bwrap's command line names the workspace, and so does the none-tier agent's (--root).
      const pids = processesMentioning(victim);
      expect(pids.length).toBeGreaterThan(0);
      for (const pid of pids) process.kill(pid, "SIGKILL");
      await waitFor(async () => (records().includes(victim) ? undefined : true), 10_000);
      await provider.warmUp();
      expect(records().filter((id) => !handed.has(id))).toHaveLength(4);
      // Hand-outs honour their spec.
      expect((await provider.inspect(first.externalId)).labels).toEqual({ n: "1" });
    } finally {
      await provider.close();
    }
    expect(leftovers(stateDir, records())).toEqual([]);
  });
});
