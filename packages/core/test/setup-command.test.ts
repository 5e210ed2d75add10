import { describe, expect, it } from "vitest";
import { createExecResult, type ExecOptions, runSetupCommand, SETUP_OUTPUT_TAIL_BYTES } from "../src/index.js";

const encoder = new TextEncoder();

/** A setup run whose exec answers with `exitCode` and the given output, recording what happened. */
function setupRun(exitCode: number, stdout = "", stderr = "") {
  const events: string[] = [];
  return {
    events,
    run: {
      provider: "test",
      externalId: "sbx-1",
      command: ["pip", "install", "flask"],
      exec: async (argv: readonly string[], options: ExecOptions) => {
        events.push(`exec ${argv.join(" ")} max=${options.maxOutputBytes}`);
        return createExecResult({
          exitCode,
          stdoutBytes: encoder.encode(stdout),
          stderrBytes: encoder.encode(stderr),
          durationMs: 1,
        });
      },
      destroy: async () => {
        events.push("destroy");
      },
    },
  };
}

describe("runSetupCommand", () => {
  it("resolves after a zero exit and leaves the sandbox alone", async () => {
    const { run, events } = setupRun(0, "Successfully installed flask\n");
    await runSetupCommand(run);
    expect(events).toEqual([`exec pip install flask max=${SETUP_OUTPUT_TAIL_BYTES * 16}`]);
  });

  it("destroys the sandbox, then throws setup_failed with the exit code and output tail", async () => {
    const noise = "x".repeat(SETUP_OUTPUT_TAIL_BYTES * 2);
    const { run, events } = setupRun(1, "Collecting flask\n", `${noise}\nERROR: No matching distribution\n`);
    const error = await runSetupCommand(run).catch((caught: unknown) => caught);
    expect(events.at(-1)).toBe("destroy");
    expect(error).toMatchObject({
      code: "setup_failed",
      retryable: false,
      exitCode: 1,
      details: { exitCode: 1, stdoutTail: "Collecting flask\n", externalId: "sbx-1" },
    });
    const details = (error as { details: { stderrTail: string } }).details;
    expect(details.stderrTail.length).toBe(SETUP_OUTPUT_TAIL_BYTES);
    expect(details.stderrTail.endsWith("ERROR: No matching distribution\n")).toBe(true);
    expect((error as Error).message).toContain('runtime.command "pip" exited 1');
    expect((error as Error).message).toContain("No matching distribution");
  });

  it("destroys the sandbox and rethrows when the command cannot run at all", async () => {
    const { run, events } = setupRun(0);
    const failing = {
      ...run,
      exec: async () => {
        throw new Error("agent gone");
      },
    };
    await expect(runSetupCommand(failing)).rejects.toThrow("agent gone");
    expect(events).toEqual(["destroy"]);
  });
});
