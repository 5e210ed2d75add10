/**
 * What a hostile sandbox (or a careless caller) must not get through the provider: host files
 * through `files`, a hang through FIFOs or devices, exec env values in any host process's argv
 * or environment, descriptors the orchestrator inherited. Real sandboxes, both tiers.
 */
import { spawn } from "node:child_process";
import { readdirSync, readFileSync, readlinkSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { lazyProvider, SKIP_REASON, skipTier, TIERS, tempStateDir } from "./helpers.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = process.getuid?.() === 0;

/** Every host process whose cmdline or environ contains `marker`, with its cmdline. */
function scan(marker: string): { cmdline: string[]; environ: { pid: number; cmdline: string }[] } {
  const cmdline: string[] = [];
  const environ: { pid: number; cmdline: string }[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const args = readFileSync(`/proc/${entry}/cmdline`, "latin1");
      if (args.includes(marker)) cmdline.push(args);
      if (readFileSync(`/proc/${entry}/environ`, "latin1").includes(marker))
        environ.push({ pid: Number(entry), cmdline: args });
    } catch {
      // Gone, or not ours to read.
    }
  }
  return { cmdline, environ };
}

function canRead(dir: string): boolean {
  try {
    readdirSync(dir);
    return true;
  } catch {
    return false;
  }
}

/** Children of `pid` (by /proc/<pid>/stat), for finding the agent below bwrap. */
function childrenOf(pid: number): number[] {
  return readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry))
    .filter((entry) => {
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
        return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) === pid;
      } catch {
        return false;
      }
    })
    .map(Number);
}

describe.each(TIERS)("security (%s tier)", (tier) => {
  const skip = skipTier(tier);
  const name = (text: string) => `${text}${tier === "namespace" ? SKIP_REASON : ""}`;
  const provider = lazyProvider(tier);

  it.skipIf(skip)(
    name("a host file only root may read stays unreadable through files, symlinks included"),
    async () => {
      const p = provider();
      const { externalId } = await p.provision({});
      const files = p.getExtension(externalId, "files");
      await p.exec(externalId, ["ln", "-s", "/etc/shadow", "planted"]);
      for (const target of ["/etc/shadow", "planted"]) {
        const outcome = await files?.readText(target).then(
          (text) => `read ${text.length} chars`,
          (error: { code: string }) => error.code,
        );
        expect(outcome, target).toBe("invalid_argument");
      }
      // The sandbox's own commands see the same refusal: files has no more rights than they do.
      if (tier === "namespace") expect((await p.exec(externalId, ["cat", "/etc/shadow"])).exitCode).not.toBe(0);
    },
  );

  it.skipIf(skip)(name("FIFOs, device nodes and /dev/zero are refused typed within a second"), async () => {
    const p = provider();
    const { externalId } = await p.provision({});
    const files = p.getExtension(externalId, "files");
    if (!files) throw new Error("files extension missing");
    const made = await p.exec(externalId, [
      "sh",
      "-c",
      `mkfifo fifo && ln -s fifo to-fifo && ln -s /dev/zero to-zero${root && tier === "none" ? " && mknod zero c 1 5" : ""}`,
    ]);
    expect(made.exitCode, made.stderr).toBe(0);
    const hostFull = statSync("/dev/full");
    const attempts: [string, () => Promise<unknown>][] = [
      ["read fifo", () => files.read("fifo")],
      ["write fifo", () => files.write("fifo", "x")],
      ["read symlink to fifo", () => files.read("to-fifo")],
      ["read /dev/zero", () => files.read("/dev/zero")],
      ["read symlink to /dev/zero", () => files.read("to-zero")],
      ["write /dev/full", () => files.write("/dev/full", "x")],
      ...(root && tier === "none"
        ? [["read a device node made inside", () => files.read("zero")] as [string, () => Promise<unknown>]]
        : []),
    ];
    for (const [what, attempt] of attempts) {
      const started = Date.now();
      const outcome = await attempt().then(
        () => "succeeded",
        (error: { code: string }) => error.code,
      );
      expect(outcome, what).toBe("invalid_argument");
      expect(Date.now() - started, what).toBeLessThan(1000);
    }
    // Nothing was changed on the host's device node.
    const after = statSync("/dev/full");
    expect([after.uid, after.gid, after.mode]).toEqual([hostFull.uid, hostFull.gid, hostFull.mode]);
  });

  it.skipIf(skip)(
    name("no env value appears in any host process's argv, nor in an environment but the command's"),
    async () => {
      const marker = `ol-secret-${process.pid}-${Date.now()}`;
      const p = provider();
      const { externalId } = await p.provision({
        runtime: { image: "host", env: { OL_SPEC_SECRET: `${marker}-spec` } },
      });
      const running = p.exec(externalId, ["sleep", "2"], {
        cwd: ".",
        env: { "ODD NAME": marker, OL_EXEC_SECRET: marker },
      });
      let finished = false;
      void running.finally(() => {
        finished = true;
      });
      const seen: { pid: number; cmdline: string }[] = [];
      // Scan /proc over and over while the command runs (a scan is slow on a busy host).
      while (!finished) {
        const found = scan(marker);
        expect(found.cmdline).toEqual([]);
        seen.push(...found.environ);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect((await running).exitCode).toBe(0);
      // The command itself has its environment (that is the point); nothing else does.
      expect(seen.length).toBeGreaterThan(0);
      expect(new Set(seen.map((entry) => entry.cmdline))).toEqual(new Set(["sleep\u00002\u0000"]));
    },
    30_000,
  );

  it.skipIf(skip)(
    name("a descriptor the orchestrator inherited without close-on-exec is not inside, nor in bwrap or the agent"),
    async () => {
      const stateDir = tempStateDir();
      const secret = path.join(stateDir, `inherited-${Date.now()}.txt`);
      writeFileSync(secret, "not for the sandbox");
      const require = createRequire(path.resolve(here, "../../../benchmarks/package.json"));
      // A high descriptor opened by the orchestrator's parent: Node passes those on to what it
      // spawns (it only protects the low ones), so only the launcher's closing keeps it out.
      const child = spawn(
        "bash",
        [
          "-c",
          'exec 250<"$0"; exec "$@"',
          secret,
          process.execPath,
          "--conditions=@openlattice/source",
          "--import",
          require.resolve("tsx/esm"),
          path.join(here, "fixtures/inherited-fd-owner.ts"),
          stateDir,
          tier,
        ],
        { stdio: ["ignore", "pipe", "inherit"] },
      );
      try {
        const report = await new Promise<{ inside: string[]; hostPid: number }>((resolve, reject) => {
          let out = "";
          child.stdout.on("data", (chunk: Buffer) => {
            out += chunk.toString();
            if (out.includes("\n")) resolve(JSON.parse(out));
          });
          child.on("exit", (code) => reject(new Error(`owner exited early (${code})`)));
        });
        // The fixture itself holds it (that is the premise)…
        const ownerFds = readdirSync(`/proc/${child.pid}/fd`).map((n) => readlinkSync(`/proc/${child.pid}/fd/${n}`));
        expect(ownerFds).toContain(secret);
        // …but not the command inside, bwrap, the agent or anything else of the sandbox.
        expect(report.inside.length).toBeGreaterThan(0);
        expect(report.inside).not.toContain(secret);
        const sandboxPids = [report.hostPid, ...childrenOf(report.hostPid)];
        for (const pid of sandboxPids) {
          // Unprivileged, bwrap and the agent are not dumpable: their descriptors are hidden from
          // us too (the command's own view above still counts). As root every one is checked.
          if (!root && !canRead(`/proc/${pid}/fd`)) continue;
          const links = readdirSync(`/proc/${pid}/fd`).map((n) => {
            try {
              return readlinkSync(`/proc/${pid}/fd/${n}`);
            } catch {
              return "";
            }
          });
          expect(links, `fds of ${pid}`).not.toContain(secret);
          // A minimal environment: nothing but the working directory bwrap records itself.
          const environ = readFileSync(`/proc/${pid}/environ`, "latin1").split("\0").filter(Boolean);
          expect(
            environ.filter((entry) => !entry.startsWith("PWD=")),
            `environ of ${pid}`,
          ).toEqual([]);
        }
      } finally {
        child.kill("SIGKILL");
      }
    },
  );
});
