import { describe, expect, it } from "vitest";
import { runDocumentedCommand, runExample } from "./run-example.js";

/** snapshot-restore also runs on Modal: offline, through the emulator, whatever the environment holds. */
const offline = { MODAL_TOKEN_ID: "", MODAL_TOKEN_SECRET: "" };

describe("local examples run as examples/README.md writes them", () => {
  it("quickstart provisions, streams, moves files, serves a port, snapshots, restores and cleans up", async () => {
    const run = await runDocumentedCommand("npx -y pnpm@10.34.9 --filter @openlattice/examples run quickstart");
    expect(run.exitCode, run.output).toBe(0);
    expect(run.output).toMatch(/^capabilities: isolation (namespace|none) · /m);
    expect(run.output).toContain('streamed stdout: "tick 1\\n"');
    expect(run.output).toContain('the sandbox reads "hello from the host\\n"');
    expect(run.output).toContain('"hello through the port"');
    expect(run.output).toContain('original now reads: "changed after the snapshot\\n"');
    expect(run.output).toContain('restored reads:     "hello from the host\\n"');
    expect(run.leftoverSandboxes).toEqual([]);
  });

  it("expose-port fetches a server inside the sandbox from the host", async () => {
    const run = await runDocumentedCommand("npx -y pnpm@10.34.9 --filter @openlattice/examples run expose-port");
    expect(run.exitCode, run.output).toBe(0);
    expect(run.output).toMatch(/GET http:\/\/127\.0\.0\.1:\d+\/hello → \{"path":"\/hello"/);
    expect(run.leftoverSandboxes).toEqual([]);
  });

  it("snapshot-restore shows the snapshot's state in the restored sandbox", async () => {
    const run = await runDocumentedCommand(
      "npx -y pnpm@10.34.9 --filter @openlattice/examples run snapshot-restore",
      offline,
    );
    expect(run.exitCode, run.output).toBe(0);
    expect(run.output).toMatch(/original \(sbx-[^)]+\): "print\('version 2'\)\\nsrc\\n"/);
    expect(run.output).toMatch(/restored \(sbx-[^)]+\): "print\('version 1'\)\\ndata.bin\\nsrc\\n"/);
    expect(run.output).toContain("restored data.bin bytes: [0, 1, 2, 253, 254, 255]");
    expect(run.leftoverSandboxes).toEqual([]);
  });

  it("orchestrate runs 50 jobs through retries and destroys its pool", async () => {
    const run = await runDocumentedCommand("npx -y pnpm@10.34.9 --filter @openlattice/examples run orchestrate");
    expect(run.exitCode, run.output).toBe(0);
    const summary =
      /50 jobs in \d+ ms: (\d+) succeeded, (\d+) failed, (\d+) cancelled; (\d+) retries after (\d+) injected faults/.exec(
        run.output,
      );
    expect(summary, run.output).not.toBeNull();
    const [, succeeded, failed, , retries, faults] = summary!.map(Number);
    expect(succeeded).toBe(50);
    expect(failed).toBe(0);
    expect(faults).toBeGreaterThan(0);
    expect(retries).toBe(faults);
    expect(run.output).toContain("pool destroyed");
    expect(run.leftoverSandboxes).toEqual([]);
  });

  it("orchestrate cancels outstanding jobs with its AbortSignal and still cleans up", async () => {
    // 1000 jobs take seconds on any machine (250 execs per sandbox), and whether the cancel lands
    // while the pool starts (a loaded machine) or while jobs run, it is a cancellation.
    const run = await runDocumentedCommand(
      "npx -y pnpm@10.34.9 --filter @openlattice/examples run orchestrate --jobs 1000 --cancel-after-ms 300",
    );
    expect(run.exitCode, run.output).toBe(0);
    const [, succeeded, failed, cancelled] = (
      /(\d+) succeeded, (\d+) failed, (\d+) cancelled/.exec(run.output) ?? []
    ).map(Number);
    expect(cancelled, run.output).toBeGreaterThan(0);
    expect(failed).toBe(0);
    expect(succeeded! + cancelled!).toBe(1000);
    expect(run.output).toContain("pool destroyed");
    expect(run.leftoverSandboxes).toEqual([]);
  });

  it("orchestrate counts a cancel during pool start-up as a cancellation (args after pnpm's --)", async () => {
    const run = await runExample("orchestrate.ts", ["--", "--jobs", "20", "--cancel-after-ms", "1"]);
    expect(run.exitCode, run.output).toBe(0);
    expect(run.output).toMatch(/cancelled while the pool was starting \(\d of 4 sandboxes ready\)/);
    expect(run.output).toContain("20 jobs in");
    expect(run.output).toContain("0 succeeded, 0 failed, 20 cancelled");
    expect(run.output).toContain("pool destroyed");
    expect(run.leftoverSandboxes).toEqual([]);
  });

  it("orchestrate refuses an unknown flag with its usage line, not a stack trace", async () => {
    const run = await runExample("orchestrate.ts", ["--jobz", "3"]);
    expect(run.exitCode).toBe(2);
    expect(run.output).toContain("Unknown option '--jobz'");
    expect(run.output).toContain("usage: orchestrate [--jobs 50]");
    expect(run.output).not.toMatch(/\n\s+at /);
  });
});
