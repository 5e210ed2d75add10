import { randomUUID } from "node:crypto";
import { afterAll, describe, expect, test } from "vitest";
import { ModalProvider } from "../src/index.js";

/**
 * Live tests against real Modal. They run only when MODAL_TOKEN_ID and MODAL_TOKEN_SECRET are
 * set (they create billable sandboxes, one with a T4 GPU). Set MODAL_LIVE_SKIP_GPU=1 to skip
 * the GPU case. These are the only tests that can confirm Modal's server semantics.
 */
const tokenId = process.env.OPENLATTICE_LIVE_MODAL_TOKEN_ID;
const tokenSecret = process.env.OPENLATTICE_LIVE_MODAL_TOKEN_SECRET;
const live = Boolean(tokenId && tokenSecret);
const reason = "skipped: set MODAL_TOKEN_ID and MODAL_TOKEN_SECRET to run live tests against real Modal";
const runId = `live-${randomUUID().slice(0, 8)}`;

const provider = live
  ? new ModalProvider({
      tokenId,
      tokenSecret,
      appName: process.env.OPENLATTICE_MODAL_APP ?? "openlattice-live-tests",
      owner: "openlattice-live-tests",
      runId,
      defaultDurationSeconds: 900,
    })
  : undefined;
const created: string[] = [];

afterAll(async () => {
  if (!provider) return;
  await Promise.allSettled(created.map((id) => provider.destroy(id)));
  // Backstop: nothing of this run may survive it.
  await provider.sweep({ olderThanMs: 0, runId }).catch(() => undefined);
});

describe.skipIf(!live)(`live Modal (${live ? "credentials found" : reason})`, () => {
  const p = () => provider as ModalProvider;

  test("health check is an authenticated round trip", async () => {
    expect(await p().healthCheck()).toMatchObject({ healthy: true });
  });

  test("CPU sandbox: provision, exec, files, tunnel, snapshot/restore, destroy", { timeout: 600_000 }, async () => {
    const node = await p().provision({
      runtime: { image: "python:3.12-slim", workdir: "/work", env: { GREETING: "hello" } },
      network: { ports: [8000] },
      labels: { suite: "live" },
    });
    created.push(node.externalId);
    const result = await p().exec(node.externalId, ["sh", "-c", 'printf "%s" "$GREETING"; exit 3']);
    expect(result).toMatchObject({ stdout: "hello", exitCode: 3 });
    const timed = await p().exec(node.externalId, ["sleep", "60"], { timeoutMs: 2000 });
    expect(timed.timedOut).toBe(true);
    await p().getExtension(node.externalId, "files")?.write("index.html", "served");
    await p().exec(node.externalId, ["sh", "-c", "nohup python -m http.server 8000 >/dev/null 2>&1 &"]);
    const url = await p().getExtension(node.externalId, "network")?.getUrl(8000);
    expect(url).toMatch(/^https:\/\//);
    let body = "";
    for (let attempt = 0; attempt < 30 && body !== "served"; attempt++) {
      body = await fetch(`${url}/index.html`)
        .then((response) => response.text())
        .catch(() => "");
      if (body !== "served") await new Promise((resolve) => setTimeout(resolve, 2000));
    }
    expect(body).toBe("served");
    const ref = await p().snapshot(node.externalId);
    const restored = await p().restore(ref);
    created.push(restored.externalId);
    expect((await p().exec(restored.externalId, ["cat", "/work/index.html"])).stdout).toBe("served");
    await p().destroy(node.externalId);
    await p().destroy(node.externalId);
    expect((await p().inspect(node.externalId)).status).toBe("terminated");
  });

  test.skipIf(process.env.MODAL_LIVE_SKIP_GPU === "1")("GPU sandbox (T4)", { timeout: 1_500_000 }, async () => {
    const node = await p().provision({ gpu: { count: 1 }, runtime: { image: "python:3.12-slim" } });
    created.push(node.externalId);
    const smi = await p().exec(node.externalId, ["nvidia-smi", "--query-gpu=name", "--format=csv,noheader"]);
    expect(smi.stdout).toMatch(/T4/);
    await p().destroy(node.externalId);
  });

  test("sweep terminates this run's leftovers", { timeout: 300_000 }, async () => {
    const node = await p().provision({});
    created.push(node.externalId);
    const report = await p().sweep({ olderThanMs: 0, runId });
    expect(report.terminated).toContain(node.externalId);
  });
});
