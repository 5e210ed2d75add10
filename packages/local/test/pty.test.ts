import type { ProcessesExtension } from "@openlattice/core";
import { describe, expect, it } from "vitest";
import { lazyProvider, SKIP_REASON, skipTier, TIERS, waitFor } from "./helpers.js";

describe.each(TIERS)("pty (%s tier)", (tier) => {
  const provider = lazyProvider(tier);
  const skip = skipTier(tier);
  const name = (text: string) => `${text}${tier === "namespace" ? SKIP_REASON : ""}`;

  it.skipIf(skip)(name("declares pty and gives exec a real terminal of the asked size"), async () => {
    const p = provider();
    expect(p.capabilities.pty).toBe(true);
    const { externalId } = await p.provision({});
    const result = await p.exec(externalId, ["sh", "-c", "tty; stty size; echo err >&2"], {
      pty: true,
      cols: 123,
      rows: 45,
    });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/^\/dev\/pts\/\d+\r\n45 123\r\n/);
    // One terminal: stderr arrives on stdout.
    expect(result.stdout).toContain("err");
    expect(result.stderr).toBe("");
    const plain = await p.exec(externalId, ["tty"]);
    expect(plain.exitCode).not.toBe(0);
    // Stdin is typed into the terminal, then Ctrl-D ends it.
    const typed = await p.exec(externalId, ["cat"], { pty: true, stdin: "typed\n" });
    expect(typed.exitCode).toBe(0);
    expect(typed.stdout).toContain("typed");
  });

  it.skipIf(skip)(name("a PTY process resizes and \\x03 interrupts its foreground job"), async () => {
    const p = provider();
    const { externalId } = await p.provision({});
    const processes = p.getExtension(externalId, "processes") as ProcessesExtension;
    let out = "";
    const script = "trap 'echo caught; exit 3' INT; stty size; echo ready; read x; stty size; sleep 30 & wait";
    const handle = await processes.start(["sh", "-c", script], {
      pty: true,
      cols: 90,
      rows: 20,
      onStdout: (chunk) => {
        out += chunk;
      },
    });
    await waitFor(async () => (out.includes("ready") ? true : undefined), 10_000);
    expect(out).toContain("20 90");
    await handle.resize(132, 50);
    await handle.write("\n");
    await waitFor(async () => (out.includes("50 132") ? true : undefined), 10_000);
    const listed = (await processes.list()).find((info) => info.pid === handle.pid);
    expect(listed?.pty).toBe(true);
    await handle.write("\x03");
    const result = await handle.wait();
    expect(result.exitCode).toBe(3);
    expect(out).toContain("caught");
  });
});
