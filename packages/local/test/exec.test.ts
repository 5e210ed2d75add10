import path from "node:path";
import { hasErrorCode } from "@openlattice/core";
import { describe, expect, it } from "vitest";
import { lazyProvider, SKIP_REASON, skipTier, sleep, TIERS } from "./helpers.js";

/** The content of `file` in the sandbox's workdir once it exists (the entrypoint writes it). */
async function waitForText(p: ReturnType<ReturnType<typeof lazyProvider>>, id: string, file: string) {
  for (let attempt = 0; attempt < 100; attempt++) {
    const result = await p.exec(id, ["cat", file]);
    // The shell creates the file before it writes to it: empty means not written yet.
    if (result.exitCode === 0 && result.stdout !== "") return result.stdout;
    await sleep(50);
  }
  throw new Error(`${file} never appeared`);
}

describe.each(TIERS)("exec (%s tier)", (tier) => {
  const provider = lazyProvider(tier);
  const skip = skipTier(tier);
  const name = (text: string) => `${text}${tier === "namespace" ? SKIP_REASON : ""}`;

  it.skipIf(skip)(name("passes argv exactly, without a shell"), async () => {
    const p = provider();
    const { externalId } = await p.provision({});
    const args = ["a b", "$HOME", "'quoted'", '"double"', "back\\slash", "", "*", "semi;colon", "new\nline", "ünï"];
    const result = await p.exec(externalId, ["printf", "%s\\0", ...args]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout.split("\0").slice(0, -1)).toEqual(args);
  });

  it.skipIf(skip)(
    name("keeps every byte a finished command wrote while the orchestrator was too busy to read it"),
    async () => {
      const p = provider();
      const { externalId } = await p.provision({});
      // More than the agent's output credit (4 MiB), less than that plus a grown pipe (1 MiB): the
      // command can exit while the agent still holds the rest back for want of credit.
      const bytes = 4.5 * 1024 * 1024;
      let blocked = false;
      const result = await p.exec(externalId, ["head", "-c", String(bytes), "/dev/zero"], {
        onStdoutBytes: () => {
          if (blocked) return;
          blocked = true;
          // The event loop stops for longer than the agent's drain limit (2 s after exit), with
          // the command already done and most of its output still in the pipe.
          const until = Date.now() + 3_000;
          while (Date.now() < until) {
            // busy: a synchronous orchestrator
          }
        },
      });
      expect(result.exitCode).toBe(0);
      expect(result.stdout.length).toBe(bytes);
      expect(result.truncated).toBe(false);
    },
  );

  it.skipIf(skip)(name("reports exit codes, stderr, and 127 for a missing program"), async () => {
    const p = provider();
    const { externalId } = await p.provision({});
    const failed = await p.exec(externalId, ["sh", "-c", "echo out; echo err >&2; exit 42"]);
    expect(failed).toMatchObject({ exitCode: 42, stdout: "out\n", stderr: "err\n", timedOut: false, truncated: false });
    const missing = await p.exec(externalId, ["definitely-not-a-program-xyz"]);
    expect(missing.exitCode).toBe(127);
  });

  it.skipIf(skip)(name("applies cwd and per-call env natively, without leaking env into later calls"), async () => {
    const p = provider();
    const { externalId } = await p.provision({ runtime: { image: "host", env: { BASE: "b" } } });
    await p.getExtension(externalId, "files")?.mkdir("sub/dir");
    const inSub = await p.exec(externalId, ["pwd"], { cwd: "sub/dir" });
    expect(inSub.stdout.trim().endsWith(path.join("sub", "dir"))).toBe(true);
    const withEnv = await p.exec(externalId, ["sh", "-c", 'printf "%s|%s" "$BASE" "$EXTRA"'], {
      env: { EXTRA: "x y $z" },
    });
    expect(withEnv.stdout).toBe("b|x y $z");
    const later = await p.exec(externalId, ["sh", "-c", 'printf "%s|%s" "$BASE" "$EXTRA"']);
    expect(later.stdout).toBe("b|");
    // A missing working directory is not_found (the command never runs elsewhere), and so is a
    // file in its place: there is no such directory (ExecOptions.cwd, conformance exec.cwd.missing).
    await expect(p.exec(externalId, ["true"], { cwd: "no/such/dir" })).rejects.toMatchObject({ code: "not_found" });
    await p.getExtension(externalId, "files")?.write("plain-file", "x");
    await expect(p.exec(externalId, ["true"], { cwd: "plain-file" })).rejects.toMatchObject({
      code: "not_found",
      message: expect.stringContaining("is not a directory"),
    });
  });

  it.skipIf(skip)(name("feeds stdin and returns binary output byte for byte"), async () => {
    const p = provider();
    const { externalId } = await p.provision({});
    const input = new Uint8Array(256 * 4).map((_, i) => i % 256);
    const result = await p.exec(externalId, ["cat"], { stdin: input });
    expect(Buffer.from(result.stdoutBytes).equals(Buffer.from(input))).toBe(true);
    const text = await p.exec(externalId, ["cat"], { stdin: "héllo\n" });
    expect(text.stdout).toBe("héllo\n");
    const empty = await p.exec(externalId, ["cat"]);
    expect(empty.stdout).toBe("");
  });

  it.skipIf(skip)(name("streams output to callbacks while the command still runs"), async () => {
    const p = provider();
    const { externalId } = await p.provision({});
    let firstChunkAt = 0;
    let errChunks = "";
    const started = Date.now();
    const result = await p.exec(externalId, ["sh", "-c", "echo first; echo e >&2; sleep 1; echo second"], {
      onStdout: () => {
        firstChunkAt ||= Date.now();
      },
      onStderr: (chunk) => {
        errChunks += chunk;
      },
    });
    const finishedAt = Date.now();
    expect(result.stdout).toBe("first\nsecond\n");
    expect(errChunks).toBe("e\n");
    expect(firstChunkAt).toBeGreaterThan(0);
    // The first chunk arrived well before the command's one-second sleep ended.
    expect(finishedAt - firstChunkAt).toBeGreaterThan(500);
    expect(firstChunkAt - started).toBeLessThan(finishedAt - started);
  });

  it.skipIf(skip)(
    name("caps kept output at maxOutputBytes and flags truncated, still streaming all of it"),
    async () => {
      const p = provider();
      const { externalId } = await p.provision({});
      let streamed = 0;
      const result = await p.exec(externalId, ["head", "-c", "100000", "/dev/zero"], {
        maxOutputBytes: 1000,
        onStdoutBytes: (chunk) => {
          streamed += chunk.byteLength;
        },
      });
      expect(result.stdoutBytes.byteLength).toBe(1000);
      expect(result.truncated).toBe(true);
      expect(streamed).toBe(100000);
    },
  );

  it.skipIf(skip)(name("timeout kills the whole tree, setsid grandchildren included"), async () => {
    const p = provider();
    const { externalId } = await p.provision({});
    const files = p.getExtension(externalId, "files");
    const started = Date.now();
    // The escapee leaves the process group and would write a marker after 1.5 s if it survived.
    const result = await p.exec(
      externalId,
      ["sh", "-c", "setsid sh -c 'sleep 1.5; echo alive > escaped.txt' </dev/null >/dev/null 2>&1 & sleep 30"],
      { timeoutMs: 300 },
    );
    expect(result.timedOut).toBe(true);
    expect(result.exitCode).toBe(137);
    expect(Date.now() - started).toBeLessThan(5000);
    await sleep(2000);
    await expect(files?.stat("escaped.txt")).rejects.toMatchObject({ code: "not_found" });
  });

  it.skipIf(skip)(name("an aborted signal kills the command and rejects with its reason"), async () => {
    const p = provider();
    const { externalId } = await p.provision({});
    const controller = new AbortController();
    const reason = new Error("stop now");
    setTimeout(() => controller.abort(reason), 200);
    const started = Date.now();
    await expect(p.exec(externalId, ["sleep", "30"], { signal: controller.signal })).rejects.toBe(reason);
    expect(Date.now() - started).toBeLessThan(5000);
    const already = AbortSignal.abort(new Error("before"));
    await expect(p.exec(externalId, ["true"], { signal: already })).rejects.toThrow("before");
  });

  it.skipIf(skip)(name("rejects unknown and destroyed sandboxes with not_found and terminated"), async () => {
    const p = provider();
    await expect(p.exec("sbx-unknown", ["true"])).rejects.toMatchObject({ code: "not_found" });
    const { externalId } = await p.provision({});
    await p.destroy(externalId);
    const error = await p.exec(externalId, ["true"]).catch((e: unknown) => e);
    expect(hasErrorCode(error, "terminated")).toBe(true);
    await expect(p.exec(externalId, [])).rejects.toMatchObject({ code: "invalid_argument" });
    expect((await p.inspect(externalId)).status).toBe("terminated");
  });

  it.skipIf(skip)(name("provision resolves while a long-running entrypoint keeps running"), async () => {
    const p = provider();
    const started = Date.now();
    const { externalId } = await p.provision({
      runtime: { image: "host", entrypoint: ["sh", "-c", "echo up > entrypoint.txt; exec sleep 300"] },
    });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect((await p.inspect(externalId)).status).toBe("running");
    const seen = await waitForText(p, externalId, "entrypoint.txt");
    expect(seen).toBe("up\n");
    await p.destroy(externalId);
  });

  it.skipIf(skip)(name("runs the spec's entrypoint and ends the sandbox when it exits"), async () => {
    const p = provider();
    const { externalId } = await p.provision({
      runtime: { image: "host", entrypoint: ["sh", "-c", "sleep 0.3; exit 7"] },
    });
    expect((await p.inspect(externalId)).status).toBe("running");
    const deadline = Date.now() + 5000;
    while ((await p.inspect(externalId)).status !== "terminated" && Date.now() < deadline) await sleep(50);
    const info = await p.inspect(externalId);
    expect(info).toMatchObject({ status: "terminated", exitCode: 7, reason: "command exited" });
    await expect(p.exec(externalId, ["true"])).rejects.toMatchObject({ code: "terminated" });
  });
});
