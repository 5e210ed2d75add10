import { spawn } from "node:child_process";
import { rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { hasErrorCode } from "@openlattice/core";
import { expect } from "vitest";
import type { CaseDefinition } from "./case-definition.js";
import { expectSandboxError, sleep } from "./case-helpers.js";

/** How many claimed GPU types are provisioned (each is a GPU sandbox: costly on real backends). */
const GPU_TYPES_CHECKED = 3;

/**
 * Counts the processes whose command line contains `$1$2`; the needle travels in two halves so
 * that the counting shell itself never matches.
 */
const COUNT_PROCESSES = [
  'n="$1$2"; c=0',
  'for f in /proc/[0-9]*/cmdline; do l=$(tr "\\000" " " < "$f" 2>/dev/null); case "$l" in *"$n"*) c=$((c+1));; esac; done',
  "echo $c",
].join("; ");

/** `uname -m` spellings of the architectures spec v1 names. */
const UNAME: Readonly<Record<string, string>> = { x86_64: "x86_64", amd64: "x86_64", aarch64: "arm64", arm64: "arm64" };

/** Claims in `capabilities` that the suite can check from outside the provider. */
export const CAPABILITY_CLAIM_CASES: readonly CaseDefinition[] = [
  {
    id: "capabilities.isolation.verified",
    run: async (c) => {
      const isolation = c.capabilities.isolation;
      if (isolation === "none") {
        c.note('isolation "none" claims no boundary: nothing to verify');
        return;
      }
      const node = await c.provision();
      const half = `olc-iso-${Math.random().toString(36).slice(2, 10)}`;
      const token = `${half}${half.length}`;
      const file = join(tmpdir(), `olc-isolation-${token}`);
      await writeFile(file, token);
      // A host process the sandbox must not see, recognisable by the token in its argv.
      const holder = spawn(process.execPath, ["-e", "setTimeout(() => {}, 120000)", token], { stdio: "ignore" });
      try {
        await sleep(200);
        const read = await c.exec(node.externalId, ["sh", "-c", 'cat "$1" 2>/dev/null', "sh", file]);
        expect(read.stdout, `a ${isolation} sandbox reading the host file ${file}`).not.toContain(token);
        const seen = await c.mustExec(node.externalId, ["sh", "-c", COUNT_PROCESSES, "sh", half, String(half.length)]);
        expect(seen.stdout.trim(), `host processes carrying the token visible in a ${isolation} sandbox`).toBe("0");
      } finally {
        holder.kill("SIGKILL");
        await rm(file, { force: true });
      }
    },
  },
  {
    id: "capabilities.gpu.verified",
    run: async (c) => {
      const caps = c.capabilities;
      if (!caps.gpu) {
        await expectSandboxError(c.provision({ gpu: { count: 1 } }), ["unsupported"], "provision with a GPU");
        c.unsupported("capabilities.gpu is false and a GPU spec is refused with unsupported");
      }
      const problems: string[] = [];
      let provisioned = 0;
      for (const type of caps.constraints.gpuTypes.slice(0, GPU_TYPES_CHECKED)) {
        try {
          const node = await c.provision({ gpu: { type, count: 1 } });
          provisioned += 1;
          const device = await c.exec(node.externalId, [
            "sh",
            "-c",
            "ls /dev/nvidia[0-9]* 2>/dev/null || nvidia-smi -L",
          ]);
          if (device.exitCode !== 0) problems.push(`gpu type ${type}: no GPU device visible in the sandbox`);
          await c.provider.destroy(node.externalId);
        } catch (error) {
          if (hasErrorCode(error, "capacity")) c.note(`gpu type ${type}: no capacity now (${error.message})`);
          else problems.push(`gpu type ${type} (claimed in gpuTypes): ${String(error)}`);
        }
      }
      try {
        const error = await expectSandboxError(
          c.provision({ gpu: { type: "OLC-NO-SUCH-GPU", count: 1 } }),
          ["invalid_argument"],
          "provision with an unknown GPU type",
        );
        if (!`${error.details.field ?? ""} ${error.message}`.includes("gpu.type")) {
          problems.push(`an unknown GPU type is refused without naming gpu.type: ${error.message}`);
        }
      } catch (error) {
        problems.push((error as Error).message);
      }
      const max = caps.constraints.maxGpuCount;
      if (max !== undefined && max < 64) {
        try {
          await expectSandboxError(
            c.provision({ gpu: { count: max + 1 } }),
            ["invalid_argument"],
            `gpu.count ${max + 1}`,
          );
        } catch (error) {
          problems.push((error as Error).message);
        }
      }
      if (problems.length > 0) throw new Error(problems.join("\n"));
      if (provisioned === 0) c.notRun("no claimed GPU type had capacity, so none could be checked");
    },
  },
  {
    id: "capabilities.architecture.verified",
    run: async (c) => {
      const node = await c.provision();
      const machine = (await c.mustExec(node.externalId, ["uname", "-m"])).stdout.trim();
      const arch = UNAME[machine];
      if (arch === undefined)
        throw new Error(`uname -m printed ${JSON.stringify(machine)}, not an architecture of spec v1`);
      expect(
        c.capabilities.architectures,
        `capabilities.architectures vs the sandbox's uname -m (${machine})`,
      ).toContain(arch);
    },
  },
];
