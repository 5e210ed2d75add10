/**
 * The default seccomp filter, seen from a hostile process inside a real namespace sandbox: the
 * calls Docker's default profile refuses (and io_uring) fail with EPERM, nested user namespaces
 * cannot be made, setuid bits cannot be set, and ordinary work still runs. `seccomp: "off"` is
 * the control: the same probes succeed there, so it is the filter that refuses them.
 */
import { lstatSync, readdirSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { LocalProvider } from "../src/index.js";
import { hostWorkspace } from "./hardening-helpers.js";
import { lazyProvider, SKIP_REASON, skipNamespace, tempStateDir } from "./helpers.js";

/** System call numbers of the probes, per architecture (perl's `syscall` takes raw numbers). */
const NR = {
  x64: {
    io_uring_setup: 425,
    keyctl: 250,
    add_key: 248,
    userfaultfd: 323,
    unshare: 272,
    perf_event_open: 298,
    bpf: 321,
    clone3: 435,
  },
  arm64: {
    io_uring_setup: 425,
    keyctl: 219,
    add_key: 217,
    userfaultfd: 282,
    unshare: 97,
    perf_event_open: 241,
    bpf: 280,
    clone3: 435,
  },
}[process.arch as "x64" | "arm64"];

/**
 * Each probe prints `name result errno`. Arguments are chosen so that an allowed call returns
 * something other than EPERM (a valid result, or EFAULT/EINVAL for a null pointer).
 */
const PROBE = `
my %nr = (${Object.entries(NR ?? {})
  .map(([name, nr]) => `${name} => ${nr}`)
  .join(", ")});
sub probe { my ($name, @args) = @_; $! = 0; my $r = syscall($nr{$name}, @args); printf "%s %d %d\\n", $name, $r, $! + 0; }
probe("io_uring_setup", 8, 0);
probe("keyctl", 0, -3, 1);
probe("add_key", "user", "k", "v", 1, -3);
probe("userfaultfd", 1);
probe("unshare", 0x10000000);
probe("perf_event_open", 0, 0, -1, -1, 0);
probe("bpf", 0, 0, 0);
probe("clone3", 0, 0);
`;

const EPERM = 1;
const ENOSYS = 38;

async function probe(provider: LocalProvider): Promise<{ results: Map<string, number>; status: string }> {
  const { externalId } = await provider.provision({});
  const run = await provider.exec(externalId, ["perl", "-e", PROBE]);
  expect(run.exitCode, run.stderr).toBe(0);
  const results = new Map(
    run.stdout
      .trim()
      .split("\n")
      .map((line) => line.split(" "))
      .map(([name, result, errno]) => [name as string, Number(result) === -1 ? Number(errno) : 0]),
  );
  const status = (await provider.exec(externalId, ["grep", "^Seccomp:", "/proc/self/status"])).stdout;
  await provider.destroy(externalId);
  return { results, status };
}

describe.skipIf(skipNamespace || !NR)(`seccomp (namespace tier)${SKIP_REASON}`, () => {
  const filtered = lazyProvider("namespace");
  const unfiltered = lazyProvider("namespace", { seccomp: "off" });

  it("refuses io_uring, keyrings, userfaultfd, perf, bpf and nested user namespaces; clone3 is ENOSYS", async () => {
    const { results, status } = await probe(filtered());
    expect(status).toMatch(/Seccomp:\s+2/);
    for (const name of ["io_uring_setup", "keyctl", "add_key", "userfaultfd", "unshare", "perf_event_open", "bpf"]) {
      expect(results.get(name), name).toBe(EPERM);
    }
    expect(results.get("clone3")).toBe(ENOSYS);
  });

  it("with seccomp off the same probes are not refused by a filter (the control)", async () => {
    const { results, status } = await probe(unfiltered());
    expect(status).toMatch(/Seccomp:\s+0/);
    // io_uring_setup with a null params pointer: EFAULT, i.e. the kernel looked at it.
    expect(results.get("io_uring_setup")).not.toBe(EPERM);
    expect(results.get("keyctl")).toBe(0);
    expect(results.get("clone3")).not.toBe(ENOSYS);
  });

  it("nested `unshare -Ur` fails; ordinary programs, pipes, forks and threads still work", async () => {
    const p = filtered();
    const { externalId } = await p.provision({});
    const nested = await p.exec(externalId, ["unshare", "-Ur", "id", "-u"]);
    expect(nested.exitCode).not.toBe(0);
    expect(nested.stderr).toMatch(/Operation not permitted/);
    const work = await p.exec(externalId, [
      "sh",
      "-c",
      "echo hi | tr a-z A-Z > out && cat out && (sleep 0.1 &) && wait && perl -e 'print fork() >= 0 ? qq(forked\\n) : qq(no\\n)'",
    ]);
    expect(work.exitCode, work.stderr).toBe(0);
    expect(work.stdout).toContain("HI");
    expect(work.stdout).toContain("forked");
  });

  it("a setuid or setgid bit cannot be set inside, so none reaches the host disk", async () => {
    const p = filtered();
    const { externalId } = await p.provision({});
    const attempt = await p.exec(externalId, [
      "sh",
      "-c",
      [
        "cp /bin/true t && chmod 755 t",
        "chmod u+s t; echo chmod=$?",
        "chmod g+s t; echo chmodg=$?",
        "install -m 4755 /bin/true t2; echo install=$?",
        `perl -e 'use Fcntl; print sysopen(F, "t3", O_CREAT|O_WRONLY, 04755) ? "open=0\\n" : "open=1\\n"'`,
        "mkdir -m 2755 d; echo mkdir=$?",
        "ls -l",
      ].join("; "),
    ]);
    for (const what of ["chmod", "chmodg", "install", "open", "mkdir"])
      expect(attempt.stdout, what).toContain(`${what}=1`);
    // What the host disk holds: no file of the workspace carries a setuid or setgid bit.
    const workspace = hostWorkspace(p, externalId);
    const names = readdirSync(workspace);
    expect(names).toContain("t");
    for (const name of names) expect(lstatSync(path.join(workspace, name)).mode & 0o6000, name).toBe(0);
  });

  it("an unknown seccomp option and a missing filter file fail typed", () => {
    expect(
      () => new LocalProvider({ isolation: "namespace", stateDir: tempStateDir(), seccomp: "strict" as never }),
    ).toThrow(expect.objectContaining({ code: "invalid_argument", field: "seccomp" }));
    expect(
      () =>
        new LocalProvider({
          isolation: "namespace",
          stateDir: tempStateDir(),
          seccomp: { bpfPath: "/nonexistent.bpf" },
        }),
    ).toThrow(expect.objectContaining({ code: "unsupported", feature: "seccomp" }));
  });

  it("capabilities state the filter in use", () => {
    expect(filtered().capabilities.limitations?.seccomp).toMatch(/^default filter.*io_uring/);
    expect(unfiltered().capabilities.limitations?.seccomp).toMatch(/^off/);
  });
});
