import { createServer } from "node:http";
import { afterAll } from "vitest";

/**
 * Starts an HTTP server on the host's loopback that answers every request: the probe URL the
 * egress cases need. A sandbox sharing the host network (egress "all") reaches it; egress
 * "none" must not. Closed after the file.
 */
export async function startProbeServer(): Promise<string> {
  const server = createServer((_request, response) => response.end("probe"));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
}
