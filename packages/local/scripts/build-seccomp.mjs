#!/usr/bin/env node
/**
 * Compiles the sandbox's default seccomp filter (agent/seccomp/gen-seccomp.c, libseccomp) into
 * bin/openlattice-seccomp-linux-<arch>.bpf, the classic BPF program bubblewrap loads with
 * `--seccomp FD`. The generator runs on the build host and writes the filter of every
 * architecture the tarball ships (libseccomp targets any architecture from any host), so the
 * runtime needs neither libseccomp nor a compiler, and the agent stays a static binary.
 *
 *   node scripts/build-seccomp.mjs    # needs gcc and libseccomp-dev (Debian) / libseccomp-devel
 *
 * Up-to-date filters are left alone.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, renameSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const source = path.join(root, "agent", "seccomp", "gen-seccomp.c");
const binDir = path.join(root, "bin");
const arches = ["x64", "arm64"];
const newestInput = Math.max(statSync(source).mtimeMs, statSync(fileURLToPath(import.meta.url)).mtimeMs);

const outputs = arches.map((arch) => ({ arch, file: path.join(binDir, `openlattice-seccomp-linux-${arch}.bpf`) }));
const stale = outputs.filter(({ file }) => {
  try {
    return statSync(file).mtimeMs < newestInput;
  } catch {
    return true;
  }
});
if (stale.length === 0) process.exit(0);

mkdirSync(binDir, { recursive: true });
const work = mkdtempSync(path.join(os.tmpdir(), "ol-seccomp-"));
try {
  const generator = path.join(work, "gen-seccomp");
  try {
    execFileSync("gcc", ["-O2", "-Wall", "-Wextra", "-o", generator, source, "-lseccomp"], { stdio: "inherit" });
  } catch {
    console.error(
      "build-seccomp: cannot compile agent/seccomp/gen-seccomp.c: install gcc and libseccomp-dev (Debian/Ubuntu) or libseccomp-devel (Fedora)",
    );
    process.exit(1);
  }
  for (const { arch, file } of stale) {
    const temporary = `${file}.tmp-${process.pid}`;
    execFileSync(generator, [arch, temporary], { stdio: "inherit" });
    renameSync(temporary, file);
    console.log(`build-seccomp: ${path.relative(root, file)}`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
