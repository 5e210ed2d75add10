/**
 * Starts an HTTP server inside a sandbox and fetches it from the host through
 * `network.getUrl(port)`. On the local provider the sandbox keeps no egress: the host reaches
 * in, the sandbox cannot reach out.
 *
 * Run: pnpm --filter @openlattice/examples run expose-port
 */
import { openSandbox } from "@openlattice/core";
import { LocalProvider } from "@openlattice/local";
import { fetchWhenReady, step } from "./lib/print.js";

const provider = new LocalProvider();
await using sandbox = await openSandbox(provider, { network: { ports: [8080] }, labels: { example: "expose-port" } });
step(`sandbox ${sandbox.id} (${provider.capabilities.isolation} isolation)`);

const server = new AbortController();
const serving = sandbox
  .exec(
    [
      "node",
      "-e",
      "require('http').createServer((req, res) => res.end(JSON.stringify({ path: req.url, pid: process.pid }))).listen(8080)",
    ],
    { signal: server.signal },
  )
  .catch(() => undefined);

const url = await sandbox.network.getUrl(8080);
const target = new URL("/hello", url).toString();
step(`GET ${target} → ${await fetchWhenReady(target)}`);

const egress = await sandbox.exec([
  "node",
  "-e",
  "require('http').get('http://1.1.1.1', () => console.log('reached')).on('error', (e) => console.log('blocked: ' + e.code))",
]);
step(`the sandbox trying to reach out: ${egress.stdout.trim()}`);

server.abort();
await serving;
