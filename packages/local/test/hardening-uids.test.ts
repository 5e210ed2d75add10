/**
 * One host uid per sandbox (as root): what a process running as one sandbox's host uid — say a
 * local user who ran something that sandbox left behind — can reach of another sandbox. Real
 * bubblewrap, real kernel; the cross-sandbox probes run on the host with `setpriv`.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { DEFAULT_LEASE_DIR } from "../src/host/host-ids.js";
import { hostWorkspace } from "./hardening-helpers.js";
import { lazyProvider, SKIP_REASON, skipNamespace, testProvider, waitFor } from "./helpers.js";

const root = process.getuid?.() === 0;

/** Runs argv on the host as `uid`:`uid` with no supplementary groups; returns exit status and stderr. */
function asUid(uid: number, argv: string[]): { status: number | null; stderr: string } {
  const run = spawnSync("setpriv", ["--reuid", String(uid), "--regid", String(uid), "--clear-groups", "--", ...argv], {
    encoding: "utf8",
  });
  return { status: run.status, stderr: run.stderr };
}

/** Host pid of a process whose environment holds `marker` (we are root: we may read them all). */
function pidWithEnv(marker: string): number | undefined {
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/environ`, "latin1").includes(marker)) return Number(entry);
    } catch {
      // Gone.
    }
  }
  return undefined;
}

describe.skipIf(skipNamespace)(`host uids and workspaces (namespace tier)${SKIP_REASON}`, () => {
  const provider = lazyProvider("namespace");

  it("the workspace on the host is owner-only", async () => {
    const p = provider();
    const { externalId } = await p.provision({});
    const mode = statSync(hostWorkspace(p, externalId)).mode & 0o777;
    expect(mode.toString(8)).toBe("700");
    // Rootless, the owner is the invoking user, which is what the sandbox user maps to.
    if (!root) expect(statSync(hostWorkspace(p, externalId)).uid).toBe(process.getuid?.());
  });

  it.skipIf(!root)("as root, two sandboxes run as two different host uids from the range", async () => {
    const p = provider();
    const [a, b] = await Promise.all([p.provision({}), p.provision({})]);
    const uidA = statSync(hostWorkspace(p, a.externalId)).uid;
    const uidB = statSync(hostWorkspace(p, b.externalId)).uid;
    expect(uidA).not.toBe(uidB);
    for (const uid of [uidA, uidB]) {
      expect(uid).toBeGreaterThanOrEqual(0x7000_0000);
      expect(existsSync(`${DEFAULT_LEASE_DIR}/${uid}`)).toBe(true);
    }
    // The sandbox's own commands run as that uid on the host.
    const running = p.exec(a.externalId, ["sleep", "3"], { env: { OL_UID_MARK: `m-${a.externalId}` } });
    const pid = await waitFor(async () => pidWithEnv(`m-${a.externalId}`));
    expect(readFileSync(`/proc/${pid}/status`, "utf8")).toMatch(new RegExp(`^Uid:\\s+${uidA}\\s`, "m"));
    await running;
  });

  it.skipIf(!root)("sandbox A's host uid can read neither B's workspace nor B's environ", async () => {
    const p = provider();
    const [a, b] = await Promise.all([p.provision({}), p.provision({})]);
    const uidA = statSync(hostWorkspace(p, a.externalId)).uid;
    const secret = `secret-${b.externalId}`;
    await p.exec(b.externalId, ["sh", "-c", `echo ${secret} > note`]);
    const running = p.exec(b.externalId, ["sleep", "3"], { env: { OL_SECRET: secret } });
    const pid = await waitFor(async () => pidWithEnv(secret));
    const workspaceB = hostWorkspace(p, b.externalId);
    for (const target of [workspaceB, `${workspaceB}/note`, `/proc/${pid}/environ`]) {
      const read = asUid(uidA, ["cat", target]);
      expect(read.status, target).not.toBe(0);
      expect(read.stderr, target).toMatch(/Permission denied|Is a directory/);
    }
    expect(asUid(uidA, ["ls", workspaceB]).status).not.toBe(0);
    // The control: A's uid does reach A's own workspace.
    expect(asUid(uidA, ["ls", hostWorkspace(p, a.externalId)]).status).toBe(0);
    await running;
  });

  it.skipIf(!root)("a uid is reused only after its sandbox is entirely gone", async () => {
    // A range of one id that no other test uses: the second sandbox must wait for the first.
    const first = 0x6000_0000 + (process.pid % 100_000) * 8;
    const p = testProvider("namespace", { hostIdRange: { first, count: 1 } });
    const a = await p.provision({});
    expect(statSync(hostWorkspace(p, a.externalId)).uid).toBe(first);
    await expect(p.provision({})).rejects.toMatchObject({ code: "capacity" });
    const workspaceA = hostWorkspace(p, a.externalId);
    await p.destroy(a.externalId);
    expect(existsSync(workspaceA)).toBe(false);
    expect(existsSync(`${DEFAULT_LEASE_DIR}/${first}`)).toBe(false);
    const b = await p.provision({});
    expect(statSync(hostWorkspace(p, b.externalId)).uid).toBe(first);
  });

  it.skipIf(!root)("a bad hostIdRange fails typed, naming the option (ranges are used as root only)", () => {
    expect(() => testProvider("namespace", { hostIdRange: { first: 0, count: 10 } })).toThrow(
      expect.objectContaining({ code: "invalid_argument", field: "hostIdRange" }),
    );
  });
});
