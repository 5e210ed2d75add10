import { hasErrorCode, type ProvisionSpec, type SandboxNode } from "@openlattice/core";
import { expect } from "vitest";
import type { CaseContext } from "../suite/case-context.js";
import type { CaseDefinition } from "./case-definition.js";

const MiB = 1024 * 1024;

/**
 * Provisions with a resource limit; a provider that refuses it with `unsupported` ends the case
 * so (verified: it said no instead of accepting a limit it cannot enforce).
 */
async function provisionLimited(
  c: CaseContext,
  resources: ProvisionSpec["resources"],
  what: string,
): Promise<SandboxNode> {
  try {
    return await c.provision({ resources });
  } catch (error) {
    if (hasErrorCode(error, "unsupported")) c.unsupported(`${what} is refused with unsupported: ${error.message}`);
    throw error;
  }
}

/** A shell line that holds `bytes` in the shell's memory (a command substitution), then prints `survived`. */
const allocate = (bytes: number) => `x=$(head -c ${bytes} /dev/zero | tr "\\000" a); printf survived`;

/**
 * CPU seconds a pure-shell busy loop got in `seconds` of wall time, read from /proc: no forks,
 * so the loop's own utime + stime is all of it.
 */
async function busyShare(c: CaseContext, id: string, seconds: number): Promise<number> {
  const script = `( i=0; while :; do i=$((i+1)); done ) & p=$!; sleep ${seconds}; cat /proc/$p/stat; kill $p; getconf CLK_TCK 2>/dev/null || echo 100`;
  const result = await c.mustExec(id, ["sh", "-c", script], { timeoutMs: (seconds + 30) * 1000 });
  const [stat = "", tick = "100"] = result.stdout.trim().split("\n");
  // Fields after the command name: state is field 3 overall, utime 14 and stime 15.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[11]) + Number(fields[12]);
  const perSecond = Number(tick) || 100;
  if (!Number.isFinite(ticks)) throw new Error(`cannot read the loop's CPU time from ${JSON.stringify(stat)}`);
  return ticks / perSecond / seconds;
}

/** Resource limits: accepted limits are enforced. */
export const LIMITS_CASES: readonly CaseDefinition[] = [
  {
    id: "limits.memory.enforced",
    run: async (c) => {
      // 128 MiB and 0.125 cores (below) are the smallest limits Modal accepts: smaller ones would
      // test a provider's lower bound, not its enforcement.
      const limitMiB = 128;
      const node = await provisionLimited(c, { memoryMiB: limitMiB }, "resources.memoryMiB");
      const within = await c.exec(node.externalId, ["sh", "-c", allocate(16 * MiB)], { timeoutMs: 60_000 });
      expect([within.exitCode, within.stdout], `allocating 16 MiB under a ${limitMiB} MiB limit`).toEqual([
        0,
        "survived",
      ]);
      expect(within.oomKilled, "oomKilled of a command that stayed under the limit").not.toBe(true);
      const beyond = await c.exec(node.externalId, ["sh", "-c", allocate(4 * limitMiB * MiB)], { timeoutMs: 60_000 });
      expect(beyond.stdout, `allocating ${4 * limitMiB} MiB under a ${limitMiB} MiB limit printed`).not.toBe(
        "survived",
      );
      expect(beyond.exitCode, "exit code of a command allocating 4x the memory limit").not.toBe(0);
      if (beyond.exitCode === 137 && beyond.oomKilled === false) {
        throw new Error("the command was SIGKILLed while allocating past the memory limit, but oomKilled is false");
      }
      const info = await c.provider.inspect(node.externalId);
      if (info.resources?.memoryMiB !== undefined) {
        expect(info.resources.memoryMiB, "inspect resources.memoryMiB").toBe(limitMiB);
      }
    },
  },
  {
    id: "limits.cpu.enforced",
    run: async (c) => {
      const cpu = 0.125;
      const bound = cpu * 1.5 + 0.05;
      const limited = await provisionLimited(c, { cpu }, "resources.cpu");
      const control = await c.provision();
      // A loop without a limit, run at the same time, shows what the host gives right now: the
      // comparison counts when that is well above the bound, or well above the limited loop's
      // share (on a busy host both loops share the same load, so an unenforced limit would
      // show as two similar shares). A host too busy for either gets a few tries.
      const seen: string[] = [];
      for (let attempt = 1; attempt <= 3; attempt++) {
        const [share, free] = await Promise.all([
          busyShare(c, limited.externalId, 2),
          busyShare(c, control.externalId, 2),
        ]);
        seen.push(`${share.toFixed(3)} with the limit, ${free.toFixed(3)} without`);
        expect(
          share,
          `share of a core a busy loop got with resources.cpu ${cpu} (${seen.join("; ")})`,
        ).toBeLessThanOrEqual(bound);
        if (free >= 2 * bound || free >= 2.5 * share) return c.note(`a busy loop got ${seen.join("; then ")}`);
      }
      c.notRun(`the host is too busy to tell: a busy loop got ${seen.join("; then ")}`);
    },
  },
  {
    id: "limits.disk.enforced",
    run: async (c) => {
      const diskMiB = 16;
      const node = await provisionLimited(c, { diskMiB }, "resources.diskMiB");
      const result = await c.exec(node.externalId, [
        "sh",
        "-c",
        'head -c 67108864 /dev/zero > olc-disk.bin; status=$?; sync; printf "%s %s" "$status" "$(wc -c < olc-disk.bin)"; rm -f olc-disk.bin',
      ]);
      const [status, written] = result.stdout.trim().split(" ").map(Number);
      expect(status, `exit status of writing 64 MiB into the workdir with diskMiB ${diskMiB}`).not.toBe(0);
      expect((written ?? 0) / MiB, "MiB written before the limit stopped it").toBeLessThanOrEqual(diskMiB * 2);
    },
  },
];
