import { hasErrorCode, type ProcessesExtension } from "@openlattice/core";
import { describe, expect, it } from "vitest";
import { lazyProvider, SKIP_REASON, skipTier, sleep, TIERS, waitFor } from "./helpers.js";

/** Resolves with the text once `text()` contains `needle` (polled; output arrives in chunks). */
async function until(text: () => string, needle: string | RegExp, timeoutMs = 10_000): Promise<string> {
  return waitFor(async () => {
    const now = text();
    return (typeof needle === "string" ? now.includes(needle) : needle.test(now)) ? now : undefined;
  }, timeoutMs);
}

describe.each(TIERS)("processes (%s tier)", (tier) => {
  const provider = lazyProvider(tier);
  const skip = skipTier(tier);
  const name = (text: string) => `${text}${tier === "namespace" ? SKIP_REASON : ""}`;
  const sandbox = async () => {
    const p = provider();
    const { externalId } = await p.provision({});
    const processes = p.getExtension(externalId, "processes") as ProcessesExtension;
    return { p, id: externalId, processes };
  };

  it.skipIf(skip)(name("a background process outlives the call that started it and is listed"), async () => {
    const { processes } = await sandbox();
    let out = "";
    const handle = await processes.start(["sh", "-c", "echo start; sleep 0.3; echo done; exit 7"], {
      onStdout: (chunk) => {
        out += chunk;
      },
    });
    expect(handle.pid).toBeGreaterThan(0);
    const running = (await processes.list()).find((info) => info.pid === handle.pid);
    expect(running).toMatchObject({ state: "running", argv: ["sh", "-c", expect.any(String)], pty: false });
    expect(running?.startedAt.getTime()).toBeGreaterThan(Date.now() - 60_000);
    const result = await handle.wait();
    expect(result).toMatchObject({ exitCode: 7, stdout: "start\ndone\n", timedOut: false });
    expect(out).toBe("start\ndone\n");
    const finished = (await processes.list()).find((info) => info.pid === handle.pid);
    expect(finished).toMatchObject({ state: "exited", exitCode: 7 });
    expect(finished?.endedAt).toBeInstanceOf(Date);
  });

  it.skipIf(skip)(name("attach replays from the start and then follows live output, from another handle"), async () => {
    const { processes } = await sandbox();
    const script = "echo one; echo err >&2; read line; echo got:$line; sleep 0.2; echo three";
    const first = await processes.start(["sh", "-c", script]);
    await sleep(200);
    let replayed = "";
    let errors = "";
    const second = await processes.attach(first.pid, {
      fromStart: true,
      onStdout: (chunk) => {
        replayed += chunk;
      },
      onStderr: (chunk) => {
        errors += chunk;
      },
    });
    expect(second.outputDropped).toBe(false);
    await until(() => replayed, "one\n");
    // Stdin from the second handle reaches the process the first one started.
    await second.write("hello\n");
    const result = await second.wait();
    expect(replayed).toBe("one\ngot:hello\nthree\n");
    expect(errors).toBe("err\n");
    expect(result.exitCode).toBe(0);
    expect((await first.wait()).stdout).toBe("one\ngot:hello\nthree\n");
    // Without fromStart only what comes after attaching arrives.
    const live = await processes.start(["sh", "-c", "echo early; sleep 0.5; echo late"]);
    await sleep(250);
    const follower = await processes.attach(live.pid);
    expect((await follower.wait()).stdout).toBe("late\n");
  });

  it.skipIf(skip)(
    name("keeps running with nobody attached; the ring keeps the last 1 MiB and says what it dropped"),
    async () => {
      const { p, id, processes } = await sandbox();
      // 2.6 MiB of numbered lines, then a marker; nobody follows while it prints.
      const handle = await processes.start(["sh", "-c", "seq 1 400000; echo marker; touch printed; sleep 30"]);
      handle.detach();
      await expect(handle.wait()).rejects.toSatisfy((error) => hasErrorCode(error, "invalid_argument"));
      await waitFor(
        async () => ((await p.exec(id, ["test", "-e", "printed"])).exitCode === 0 ? true : undefined),
        20_000,
      );
      let text = "";
      const later = await processes.attach(handle.pid, {
        fromStart: true,
        onStdout: (chunk) => {
          text += chunk;
        },
      });
      await until(() => text, "marker\n");
      expect(later.outputDropped).toBe(true);
      expect(text.length).toBeLessThanOrEqual(1024 * 1024);
      expect(text.length).toBeGreaterThan(1000 * 1024);
      expect(text.endsWith("399999\n400000\nmarker\n")).toBe(true);
      expect(text.startsWith("1\n2\n")).toBe(false);
      expect((await processes.list()).find((info) => info.pid === handle.pid)?.state).toBe("running");
      await later.kill("SIGKILL");
      expect((await later.wait()).exitCode).toBe(137);
    },
  );

  it.skipIf(skip)(name("kill(signal) reaches the whole tree, setsid escapees included"), async () => {
    const { p, id, processes } = await sandbox();
    const handle = await processes.start([
      "sh",
      "-c",
      "setsid sh -c 'echo $$ > escapee.pid; exec sleep 60' & sleep 60 & echo up; wait",
    ]);
    let out = "";
    await processes.attach(handle.pid, {
      fromStart: true,
      onStdout: (c) => {
        out += c;
      },
    });
    await until(() => out, "up\n");
    const escapee = (
      await waitFor(async () => (await p.exec(id, ["cat", "escapee.pid"])).stdout.trim() || undefined)
    ).trim();
    await handle.kill("SIGTERM");
    const result = await handle.wait();
    expect(result.exitCode).toBe(143);
    await waitFor(async () => ((await p.exec(id, ["kill", "-0", escapee])).exitCode !== 0 ? true : undefined));
    expect((await processes.list()).find((info) => info.pid === handle.pid)).toMatchObject({
      state: "exited",
      signal: "SIGTERM",
      exitCode: 143,
    });
  });

  it.skipIf(skip)(name("stdin stays open for write until closeStdin"), async () => {
    const { processes } = await sandbox();
    const handle = await processes.start(["cat"], { stdin: "first\n" });
    await handle.write(new TextEncoder().encode("second\n"));
    await handle.closeStdin();
    expect(await handle.wait()).toMatchObject({ exitCode: 0, stdout: "first\nsecond\n" });
  });

  it.skipIf(skip)(name("refuses bad input typed and reports unknown pids as not_found"), async () => {
    const { processes } = await sandbox();
    await expect(processes.attach(999_999)).rejects.toSatisfy((e) => hasErrorCode(e, "not_found"));
    await expect(processes.attach(-1)).rejects.toSatisfy((e) => hasErrorCode(e, "invalid_argument"));
    await expect(processes.start([])).rejects.toSatisfy((e) => hasErrorCode(e, "invalid_argument"));
    await expect(processes.start(["true"], { cwd: "/no/such/dir" })).rejects.toSatisfy((e) =>
      hasErrorCode(e, "not_found"),
    );
    const handle = await processes.start(["sleep", "5"]);
    await expect(handle.resize(80, 24)).rejects.toSatisfy((e) => hasErrorCode(e, "invalid_argument"));
    await expect(handle.kill("SIGNOPE")).rejects.toSatisfy((e) => hasErrorCode(e, "invalid_argument"));
    await handle.kill("SIGKILL");
    expect((await handle.wait()).exitCode).toBe(137);
  });

  it.skipIf(skip)(name("processes end with the sandbox"), async () => {
    const { p, id, processes } = await sandbox();
    const handle = await processes.start(["sleep", "60"]);
    const waiting = handle.wait().catch((error: unknown) => error);
    await p.destroy(id);
    expect(hasErrorCode(await waiting, "terminated")).toBe(true);
  });
});
