import { expect } from "vitest";
import type { CaseDefinition } from "./case-definition.js";
import { expectSandboxError, requireExtension } from "./case-helpers.js";
import { fetchFresh, randomPort, randomToken, startServer, waitForToken } from "./http-server.js";

/** `count` distinct random ports. */
function distinctPorts(count: number): number[] {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(randomPort());
  return [...ports];
}

/** The `network` extension, checked with real requests from the host. */
export const NETWORK_CASES: readonly CaseDefinition[] = [
  {
    id: "network.get-url.http",
    run: async (c) => {
      const port = randomPort();
      const box = await c.sandbox({ network: { ports: [port] } });
      const network = requireExtension(c, box.id, "network");
      const token = randomToken();
      await startServer(c, box.id, port, token);
      const url = await network.getUrl(port);
      await waitForToken(url, token, c.options.timeouts.networkReadyMs);
      // A forwarder that serves one connection and quits passes the first request only: each
      // further request opens a connection of its own.
      for (let request = 2; request <= 5; request++) {
        const answer = await fetchFresh(url);
        if (!answer.ok || answer.body !== token) {
          throw new Error(`request ${request} to ${url} failed: ${answer.ok ? answer.body.slice(0, 100) : answer.why}`);
        }
      }
      expect(await network.getUrl(port), "getUrl of the same port again").toBe(url);
    },
  },
  {
    id: "network.ports.multiple",
    run: async (c) => {
      const ports = distinctPorts(3);
      const box = await c.sandbox({ network: { ports } });
      const network = requireExtension(c, box.id, "network");
      const tokens = ports.map(() => randomToken());
      for (const [index, port] of ports.entries()) await startServer(c, box.id, port, tokens[index] as string);
      const urls = await Promise.all(ports.map((port) => network.getUrl(port)));
      // Each URL must reach the server on its own port: a provider forwarding every port to the
      // first one answers with the first token everywhere.
      for (const [index, url] of urls.entries()) {
        await waitForToken(url, tokens[index] as string, c.options.timeouts.networkReadyMs);
      }
    },
  },
  {
    id: "network.ports.undeclared",
    run: async (c) => {
      const [declared, undeclared] = distinctPorts(2) as [number, number];
      const box = await c.sandbox({ network: { ports: [declared] } });
      const network = requireExtension(c, box.id, "network");
      // The spec's rule: only declared ports are reachable, whatever else the backend could route.
      const problems: string[] = [];
      for (const [value, what] of [
        [undeclared, `port ${undeclared}, not declared`],
        [0, "port 0"],
        [70_000, "port 70000"],
        [1.5, "port 1.5"],
      ] as const) {
        try {
          const error = await expectSandboxError(() => network.getUrl(value), ["invalid_argument"], `getUrl(${what})`);
          if (error.details.field !== "port") {
            problems.push(`getUrl(${what}) names field ${JSON.stringify(error.details.field)}, expected "port"`);
          }
        } catch (error) {
          problems.push((error as Error).message);
        }
      }
      const url = await network.getUrl(declared);
      if (typeof url !== "string" || url === "") problems.push("getUrl of the declared port did not return a URL");
      if (problems.length > 0) throw new Error(problems.join("\n"));
    },
  },
];
