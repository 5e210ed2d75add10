#!/usr/bin/env node
/**
 * Builds the sandbox agent (agent/src/*.c) into bin/openlattice-agent-linux-<arch>: a static
 * binary, because it runs inside sandboxes whose image may have no C library at all.
 *
 *   node scripts/build-agent.mjs         # this machine's architecture (required), others if a cross compiler exists
 *   node scripts/build-agent.mjs --all   # every architecture the tarball ships (x64 and arm64), or fail
 *
 * x64 uses musl-gcc (Debian: musl-tools), else gcc -static; arm64 uses aarch64-linux-gnu-gcc -static
 * (Debian: gcc-aarch64-linux-gnu). Up-to-date binaries are left alone.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, mkdirSync, readdirSync, renameSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const sourceDir = path.join(root, "agent", "src");
const binDir = path.join(root, "bin");
const all = process.argv.includes("--all");
const FLAGS = ["-O2", "-static", "-s", "-std=gnu11", "-D_GNU_SOURCE", "-Wall", "-Wextra", "-Wshadow"];

const targets = [
  { arch: "x64", compilers: [["musl-gcc"], ["gcc"], ["x86_64-linux-gnu-gcc"]] },
  { arch: "arm64", compilers: [["aarch64-linux-gnu-gcc"], ["aarch64-linux-musl-gcc"]] },
];
// A native compiler builds the native architecture when no dedicated one is installed.
if (process.arch === "arm64") targets[1].compilers.push(["gcc"]);

const sources = readdirSync(sourceDir)
  .filter((name) => name.endsWith(".c") || name.endsWith(".h"))
  .map((name) => path.join(sourceDir, name));
const newestInput = Math.max(...[...sources, fileURLToPath(import.meta.url)].map((file) => statSync(file).mtimeMs));

function available(compiler) {
  try {
    execFileSync(compiler, ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

function machineOf(compiler) {
  try {
    return execFileSync(compiler, ["-dumpmachine"], { encoding: "utf8" }).trim();
  } catch {
    return "";
  }
}

let failed = false;
mkdirSync(binDir, { recursive: true });
for (const target of targets) {
  const output = path.join(binDir, `openlattice-agent-linux-${target.arch}`);
  const upToDate = (() => {
    try {
      return statSync(output).mtimeMs >= newestInput;
    } catch {
      return false;
    }
  })();
  if (upToDate) continue;
  const wantMachine = target.arch === "x64" ? /^x86_64/ : /^aarch64/;
  const compiler = target.compilers
    .map(([name]) => name)
    .find((name) => available(name) && (name === "musl-gcc" || wantMachine.test(machineOf(name))));
  const required = all || (process.platform === "linux" && target.arch === process.arch);
  if (!compiler) {
    const message = `no compiler for linux-${target.arch} (tried ${target.compilers.map(([n]) => n).join(", ")})`;
    if (required) {
      console.error(`build-agent: ${message}`);
      failed = true;
    } else {
      console.warn(`build-agent: skipping linux-${target.arch}: ${message}`);
    }
    continue;
  }
  const temporary = `${output}.tmp-${process.pid}`;
  execFileSync(compiler, [...FLAGS, "-o", temporary, ...sources.filter((file) => file.endsWith(".c"))], {
    stdio: "inherit",
  });
  chmodSync(temporary, 0o755);
  renameSync(temporary, output);
  console.log(`build-agent: ${path.relative(root, output)} (${compiler})`);
}
process.exit(failed ? 1 : 0);
