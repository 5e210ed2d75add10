/**
 * How the agent runs commands, seen from the provider: trees die with their exec even when the
 * sandbox kills the exec's shim itself, background processes outlive the exec that started
 * them, stdin and output larger than the flow-control windows move exactly, and an exec that
 * prints far more than the default output bound is kept bounded.
 */
import { DEFAULT_MAX_OUTPUT_BYTES } from "@openlattice/core";
import { describe, expect, it } from "vitest";
import { lazyProvider, SKIP_REASON, skipTier, sleep, TIERS } from "./helpers.js";

describe.each(TIERS)("agent behaviour (%s tier)", (tier) => {
  const skip = skipTier(tier);
  const name = (text: string) => `${text}${tier === "namespace" ? SKIP_REASON : ""}`;
  const provider = lazyProvider(tier);

  it.skipIf(skip)(name("killing its own shim ends the exec and its whole tree at once"), async () => {
    const p = provider();
    const { externalId } = await p.provision({});
    const started = Date.now();
    // $PPID of the command is its shim: the tree loses its subreaper and must still die.
    const result = await p.exec(externalId, [
      "sh",
      "-c",
      "setsid sleep 30 & echo $! > bg.pid; kill -9 $PPID; sleep 30",
    ]);
    expect(result.exitCode).toBe(137);
    expect(Date.now() - started).toBeLessThan(5000);
    const pid = (await p.exec(externalId, ["cat", "bg.pid"])).stdout.trim();
    await sleep(200);
    expect((await p.exec(externalId, ["kill", "-0", pid])).exitCode).not.toBe(0);
  });

  it.skipIf(skip)(
    name("a background process outlives the exec that started it, then dies with the sandbox"),
    async () => {
      const p = provider();
      const { externalId } = await p.provision({});
      const started = await p.exec(externalId, ["sh", "-c", "sleep 30 >/dev/null 2>&1 & echo $!"]);
      const pid = started.stdout.trim();
      expect(started.exitCode).toBe(0);
      expect((await p.exec(externalId, ["kill", "-0", pid])).exitCode).toBe(0);
      const seen = await p.exec(externalId, ["sh", "-c", `cat /proc/${pid}/cmdline | tr '\\0' ' '`]);
      expect(seen.stdout).toBe("sleep 30 ");
      await p.destroy(externalId);
      expect((await p.inspect(externalId)).status).toBe("terminated");
    },
  );

  it.skipIf(skip)(name("stdin and output far larger than the flow-control windows round-trip exactly"), async () => {
    const p = provider();
    const { externalId } = await p.provision({});
    const input = new Uint8Array(5 * 1024 * 1024).map((_, i) => (i * 131 + 7) % 256);
    const both = await p.exec(externalId, ["sh", "-c", "tee /dev/stderr"], { stdin: input });
    expect(both.exitCode).toBe(0);
    expect(Buffer.from(both.stdoutBytes).equals(Buffer.from(input))).toBe(true);
    expect(Buffer.from(both.stderrBytes).equals(Buffer.from(input))).toBe(true);
  });

  it.skipIf(skip)(name("many execs share one agent connection without mixing their streams"), async () => {
    const p = provider();
    const { externalId } = await p.provision({});
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        p.exec(externalId, ["sh", "-c", 'yes "$1" | head -c 100000; echo "$1" >&2', "sh", `line-${i}`]),
      ),
    );
    results.forEach((result, i) => {
      expect(result.stdout.length).toBe(100000);
      expect(result.stdout.startsWith(`line-${i}\nline-${i}\n`)).toBe(true);
      expect(new Set(result.stdout.split("\n").slice(0, -1))).toEqual(new Set([`line-${i}`]));
      expect(result.stderr).toBe(`line-${i}\n`);
    });
  });

  it.skipIf(skip || tier === "none")(
    name(
      `printing 600 MB with default options keeps only the documented bound${tier === "none" ? " (skipped: one tier suffices, the path is the same agent code)" : ""}`,
    ),
    async () => {
      const p = provider();
      const { externalId } = await p.provision({});
      const result = await p.exec(externalId, ["head", "-c", String(600 * 1024 * 1024), "/dev/zero"]);
      expect(result.exitCode).toBe(0);
      expect(result.truncated).toBe(true);
      expect(result.stdoutBytes.byteLength).toBe(DEFAULT_MAX_OUTPUT_BYTES);
    },
    60_000,
  );
});
