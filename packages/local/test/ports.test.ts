import { describe, expect, it } from "vitest";
import { lazyProvider, SKIP_REASON, skipTier, TIERS, waitFor } from "./helpers.js";

/** A tiny HTTP server run inside the sandbox with the host's node. */
const server = (port: number) =>
  `require("http").createServer((q,s)=>s.end("hello from "+require("os").hostname()+" "+q.url)).listen(${port},"127.0.0.1")`;

describe.each(TIERS)("network.getUrl (%s tier)", (tier) => {
  const skip = skipTier(tier);
  const name = (text: string) => `${text}${tier === "namespace" ? SKIP_REASON : ""}`;
  const provider = lazyProvider(tier);

  it.skipIf(skip)(name("returns an http://127.0.0.1 URL that reaches a server inside the sandbox"), async () => {
    const p = provider();
    const port = 20000 + Math.floor(Math.random() * 20000);
    const { externalId } = await p.provision({ network: { ports: [port] } });
    const started = await p.exec(externalId, ["sh", "-c", `nohup node -e '${server(port)}' >/dev/null 2>&1 &`]);
    expect(started.exitCode).toBe(0);
    const network = p.getExtension(externalId, "network");
    const url = await network?.getUrl(port);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const body = await waitFor(async () => {
      // Each attempt is bounded: a connection made while the server is still starting has been
      // seen (rarely, the first of a fresh provider) to hang instead of being refused; an
      // open problem recorded in the engine's notes. Later attempts must still get through.
      const response = await fetch(`${url}/ping`, { signal: AbortSignal.timeout(3_000) });
      return response.ok ? response.text() : undefined;
    }, 10_000);
    expect(body).toBe(`hello from ${tier === "namespace" ? "sandbox" : (await import("node:os")).hostname()} /ping`);
    // Repeated calls give the same URL, and many requests get through.
    expect(await network?.getUrl(port)).toBe(url);
    const bodies = await Promise.all(Array.from({ length: 20 }, (_, i) => fetch(`${url}/${i}`).then((r) => r.text())));
    expect(bodies.every((text, i) => text.endsWith(` /${i}`))).toBe(true);
    await expect(network?.getUrl(0)).rejects.toMatchObject({ code: "invalid_argument" });
    // A port not declared at provision is refused on every provider (spec v1), with the fix named.
    await expect(network?.getUrl(port === 65535 ? port - 1 : port + 1)).rejects.toMatchObject({
      code: "invalid_argument",
      message: expect.stringContaining("network.ports"),
    });
    await p.destroy(externalId);
    await expect(fetch(`${url}/after`)).rejects.toThrow();
  });
});
