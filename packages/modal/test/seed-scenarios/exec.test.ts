import { describe, expect, test } from "vitest";
import { useSeed } from "./seed-fixture.js";

const seed = useSeed();

type Start = {
  commandArgs: string[];
  workdir?: string;
  timeoutSecs?: number;
  secretSources: { env?: { contents: Record<string, string> } }[];
};

describe("0.0.3: exec", () => {
  test("stdout, stderr and exit codes", async () => {
    const id = await seed.provision({});
    const ok = await seed.provider.exec(id, ["sh", "-c", "echo out; echo err >&2"]);
    expect(ok).toMatchObject({ exitCode: 0, stdout: "out\n", stderr: "err\n", timedOut: false, truncated: false });
    expect((await seed.provider.exec(id, ["sh", "-c", "exit 42"])).exitCode).toBe(42);
    expect((await seed.provider.exec(id, ["false"])).exitCode).toBe(1);
  });

  test("cwd and env are native fields of the exec request (no shell wrapping)", async () => {
    const id = await seed.provision({ runtime: { env: { BASE: "from-spec" } } });
    const result = await seed.provider.exec(id, ["sh", "-c", 'printf "%s %s %s" "$(pwd)" "$BASE" "$EXTRA"'], {
      cwd: "/tmp",
      env: { EXTRA: "from-exec" },
    });
    expect(result.stdout).toBe("/tmp from-spec from-exec");
    const start = seed.requests<Start>("TaskExecStart").at(-1);
    expect(start?.workdir).toBe("/tmp");
    expect(start?.secretSources.map((source) => source.env?.contents)).toEqual([{ EXTRA: "from-exec" }]);
    expect(start?.commandArgs).toEqual(["sh", "-c", 'printf "%s %s %s" "$(pwd)" "$BASE" "$EXTRA"']);
    // Per-call env does not leak into later calls.
    expect((await seed.provider.exec(id, ["sh", "-c", 'printf %s "$EXTRA"'])).stdout).toBe("");
  });

  test("timeout: timedOut, exit 137, killed at the deadline (whole seconds on the wire)", async () => {
    const id = await seed.provision({});
    const result = await seed.provider.exec(id, ["sleep", "30"], { timeoutMs: 1500 });
    expect(result).toMatchObject({ timedOut: true, exitCode: 137 });
    expect(result.durationMs).toBeGreaterThanOrEqual(1500);
    expect(result.durationMs).toBeLessThan(10_000);
    const start = seed
      .requests<Start>("TaskExecStart")
      .find((entry) => entry.commandArgs.join(" ").endsWith("sleep 30"));
    expect(start?.timeoutSecs).toBe(2);
  });

  test("onStdout/onStderr receive strings, decoded across chunk boundaries; byte callbacks get bytes", async () => {
    const id = await seed.provision({});
    const text: string[] = [];
    const errors: string[] = [];
    const bytes: Uint8Array[] = [];
    // "é" (c3 a9) split across two writes with a pause between them.
    const result = await seed.provider.exec(
      id,
      ["sh", "-c", "printf 'caf\\303'; sleep 0.3; printf '\\251!\\n'; echo warn >&2"],
      {
        onStdout: (chunk) => text.push(chunk),
        onStderr: (chunk) => errors.push(chunk),
        onStdoutBytes: (chunk) => bytes.push(chunk),
      },
    );
    expect(text.every((chunk) => typeof chunk === "string")).toBe(true);
    expect(text.join("")).toBe("café!\n");
    expect(text.join("")).not.toContain("\uFFFD");
    expect(errors.join("")).toBe("warn\n");
    expect(Buffer.concat(bytes).toString("hex")).toBe(Buffer.from("café!\n").toString("hex"));
    expect(result.stdout).toBe("café!\n");
  });

  test("stdin is delivered and closed", async () => {
    const id = await seed.provision({});
    expect((await seed.provider.exec(id, ["cat"], { stdin: "piped in" })).stdout).toBe("piped in");
    expect((await seed.provider.exec(id, ["cat"])).stdout).toBe("");
  });
});
