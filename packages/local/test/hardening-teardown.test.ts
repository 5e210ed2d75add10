/**
 * Teardown against what a hostile sandbox leaves in its workspace: a tree deeper than PATH_MAX,
 * FIFOs, sockets, names of odd bytes, a directory nobody may enter. Destroy removes it all and
 * `inspect` agrees; after a crash, the reaper removes such sandboxes and carries on past them.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { LocalProvider } from "../src/index.js";
import { StateLayout } from "../src/state/state-layout.js";
import { hostWorkspace } from "./hardening-helpers.js";
import { lazyProvider, SKIP_REASON, skipTier, TIERS, tempStateDir } from "./helpers.js";

/** Shell that makes a chain of directories whose full path is far beyond PATH_MAX (4096). */
const DEEP = `perl -e 'for (1..500) { mkdir "dddddddd" or die; chdir "dddddddd" or die } open(F, ">leaf") or die'`;
const ODD = [
  "mkfifo fifo",
  "printf 'x' > \"$(printf 'new\\nline')\"",
  "printf 'x' > \"$(printf 'bad\\377byte')\"",
  "perl -MSocket -e 'socket(S, PF_UNIX, SOCK_STREAM, 0); bind(S, pack_sockaddr_un(\"sock\")) or die'",
  "mkdir locked && echo x > locked/inside && chmod 000 locked",
].join(" && ");

describe.each(TIERS)("teardown (%s tier)", (tier) => {
  const skip = skipTier(tier);
  const name = (text: string) => `${text}${tier === "namespace" ? SKIP_REASON : ""}`;
  const provider = lazyProvider(tier);

  it.skipIf(skip)(
    name("destroy removes a PATH_MAX-deep tree and odd files; inspect says terminated"),
    async () => {
      const p = provider();
      const { externalId } = await p.provision({});
      const made = await p.exec(externalId, ["sh", "-c", `${ODD} && (${DEEP})`]);
      expect(made.exitCode, made.stderr).toBe(0);
      const workspace = hostWorkspace(p, externalId);
      expect(existsSync(path.join(workspace, "fifo"))).toBe(true);
      await p.destroy(externalId);
      expect(existsSync(workspace)).toBe(false);
      expect((await p.inspect(externalId)).status).toBe("terminated");
      // Idempotent: a second destroy is a no-op.
      await p.destroy(externalId);
    },
    60_000,
  );
});

describe("the reaper", () => {
  it("removes crashed sandboxes with PATH_MAX-deep trees and carries on to the next ones", async () => {
    const stateDir = tempStateDir();
    const layout = new StateLayout(stateDir);
    // A pid that is certainly dead, with a start time that cannot match whatever reuses it.
    const owner = { pid: Number(execFileSync("sh", ["-c", "echo $$"]).toString()), startTime: 1 };
    const ids = ["sbx-reapdeep1", "sbx-reapplain", "sbx-reapdeep2"];
    for (const id of ids) {
      const workspace = layout.workspaceDir(id);
      mkdirSync(workspace, { recursive: true });
      if (id.includes("deep")) execFileSync("sh", ["-c", `cd '${workspace}' && ${DEEP} && mkfifo fifo`]);
      else writeFileSync(path.join(workspace, "file"), "x");
      mkdirSync(layout.sandboxDir(id), { recursive: true });
      const meta = { id, tier: "none", owner, createdAt: new Date().toISOString(), workspace, cgroups: {} };
      writeFileSync(layout.metaFile(id), JSON.stringify(meta));
    }
    const provider = new LocalProvider({ isolation: "none", stateDir });
    const report = await provider.whenReady();
    expect([...report.reaped].sort()).toEqual([...ids].sort());
    expect(report.failed ?? []).toEqual([]);
    for (const id of ids) {
      expect(existsSync(layout.workspaceDir(id)), id).toBe(false);
      expect(existsSync(layout.sandboxDir(id)), id).toBe(false);
    }
    // The provider works afterwards.
    const { externalId } = await provider.provision({});
    expect((await provider.exec(externalId, ["true"])).exitCode).toBe(0);
    await provider.destroyAll();
  }, 60_000);
});
