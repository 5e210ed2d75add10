/**
 * Provider instances of one process on one state dir share their sandboxes; each ends only its
 * own on close. (The conformance suite checks list/inspect and attach through a fresh instance.)
 */
import { describe, expect, it } from "vitest";
import { LocalProvider } from "../src/index.js";
import { tempStateDir } from "./helpers.js";

describe("LocalProvider instances on one state dir", () => {
  it("see each other's sandboxes, and close() ends only the instance's own", async () => {
    const stateDir = tempStateDir("ol-shared-");
    const first = new LocalProvider({ isolation: "none", stateDir });
    const second = new LocalProvider({ isolation: "none", stateDir });
    const elsewhere = new LocalProvider({ isolation: "none", stateDir: tempStateDir("ol-shared-other-") });
    const mine = await first.provision({ labels: { who: "first" } });
    const theirs = await second.provision({ labels: { who: "second" } });
    try {
      expect((await second.list({ labels: { who: "first" } })).map((node) => node.externalId)).toEqual([
        mine.externalId,
      ]);
      expect((await second.exec(mine.externalId, ["sh", "-c", "echo hi"])).stdout).toBe("hi\n");
      expect((await elsewhere.list()).map((node) => node.externalId)).toEqual([]);
      expect((await elsewhere.inspect(mine.externalId)).status).toBe("terminated");

      await second.close();
      expect((await first.inspect(theirs.externalId)).status).toBe("terminated");
      expect((await first.inspect(mine.externalId)).status).toBe("running");
      expect((await first.exec(mine.externalId, ["true"])).exitCode).toBe(0);
    } finally {
      await first.close();
      await second.close();
    }
    expect((await second.inspect(mine.externalId)).status).toBe("terminated");
  });
});
