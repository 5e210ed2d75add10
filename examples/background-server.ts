/**
 * Starts a dev server in the background, follows its log until it is ready, fetches it,
 * reattaches from a second handle (replaying the log from the start), and kills it.
 *
 * Unlike an un-awaited `exec`, a started process is owned by the sandbox: it keeps running
 * while nobody follows it, any handle can attach to it by pid, and `kill` ends its whole tree.
 *
 * Run: pnpm --filter @openlattice/examples run background-server
 */
import { openSandbox } from "@openlattice/core";
import { LocalProvider } from "@openlattice/local";
import { step } from "./lib/print.js";

const SERVER = `
const http = require("http");
let hits = 0;
http.createServer((req, res) => {
  hits++;
  console.log("GET " + req.url + " (hit " + hits + ")");
  res.end("hello from the background server\\n");
}).listen(8080, () => console.log("listening on 8080"));
`;

const provider = new LocalProvider();
await using sandbox = await openSandbox(provider, {
  network: { ports: [8080] },
  labels: { example: "background-server" },
});
step(`sandbox ${sandbox.id} (${provider.capabilities.isolation} isolation)`);

// Start it and follow its log until it says it is ready.
let log = "";
let isReady: () => void = () => {};
const ready = new Promise<void>((resolve) => {
  isReady = resolve;
});
const server = await sandbox.processes.start(["node", "-e", SERVER], {
  onStdout: (chunk) => {
    log += chunk;
    if (log.includes("listening on 8080")) isReady();
  },
});
step(`started node as pid ${server.pid}`);
await Promise.race([
  ready,
  server.wait().then((r) => Promise.reject(new Error(`the server exited early: ${r.stderr}`))),
]);
step("the log says: listening on 8080");

const url = new URL("/hello", await sandbox.network.getUrl(8080));
const body = await (await fetch(url)).text();
step(`GET ${url} → ${JSON.stringify(body)}`);

// The first handle lets go; the server keeps running.
server.detach();
const listed = (await sandbox.processes.list()).find((p) => p.pid === server.pid);
step(`listed: pid ${listed?.pid} ${listed?.state} (${listed?.argv.slice(0, 2).join(" ")} …)`);

// A second handle replays the log from the start, then follows it live.
let replay = "";
const second = await sandbox.processes.attach(server.pid, {
  fromStart: true,
  onStdout: (chunk) => {
    replay += chunk;
  },
});
await fetch(new URL("/again", url));
while (!replay.includes("/again")) await new Promise((r) => setTimeout(r, 20));
step(`second handle replayed and followed:\n${replay.trimEnd().replace(/^/gm, "    ")}`);

await second.kill("SIGTERM");
const result = await second.wait();
step(`killed: exit code ${result.exitCode}, dropped output: ${second.outputDropped}`);
const after = (await sandbox.processes.list()).find((p) => p.pid === server.pid);
step(`listed after kill: ${after?.state}, signal ${after?.signal}`);
