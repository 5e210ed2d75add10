import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import type { CaseContext } from "../suite/case-context.js";
import { sleep } from "./case-helpers.js";

/** A tiny HTTP server answering every request with the token, in whichever runtime the image has. */
const SERVERS: readonly { program: string; argv: (port: number, token: string) => string[] }[] = [
  {
    program: "node",
    argv: (port, token) => [
      "node",
      "-e",
      "require('http').createServer((q,s)=>s.end(process.argv[1])).listen(+process.argv[2],'0.0.0.0')",
      token,
      String(port),
    ],
  },
  {
    program: "python3",
    argv: (port, token) => [
      "python3",
      "-c",
      [
        "import http.server,sys",
        "t=sys.argv[1].encode()",
        "class H(http.server.BaseHTTPRequestHandler):",
        "  def do_GET(s):",
        "    s.send_response(200);s.send_header('Content-Length',str(len(t)));s.end_headers();s.wfile.write(t)",
        "  def log_message(s,*a): pass",
        "http.server.HTTPServer(('0.0.0.0',int(sys.argv[2])),H).serve_forever()",
      ].join("\n"),
      token,
      String(port),
    ],
  },
];

/** A port unlikely to be in use where sandboxes share the host's network (isolation "none"). */
export function randomPort(): number {
  return 20_000 + Math.floor(Math.random() * 20_000);
}

/** A fresh random token for a server to answer with. */
export function randomToken(): string {
  return `olc-${Math.random().toString(36).slice(2)}`;
}

/**
 * Starts a server answering `token` on `port` in the background of sandbox `id` (the exec
 * returns, the server keeps running). Ends the case `not-run` when the image has no runtime for it.
 */
export async function startServer(c: CaseContext, id: string, port: number, token: string): Promise<void> {
  const argv = await serverCommand(c, id, port, token);
  const start = await c.exec(id, ["sh", "-c", '"$@" >/dev/null 2>&1 </dev/null &', "sh", ...argv]);
  if (start.exitCode !== 0) throw new Error(`starting the server failed: ${start.stderr}`);
}

/**
 * The argv of a server answering `token` on `port`, for the runtime sandbox `id` has (node or
 * python3); ends the case `not-run` when it has neither.
 */
export async function serverCommand(c: CaseContext, id: string, port: number, token: string): Promise<string[]> {
  const program = await c.firstProgram(
    id,
    SERVERS.map((server) => server.program),
  );
  const server = SERVERS.find((candidate) => candidate.program === program);
  if (!server) c.notRun("the sandbox image has neither node nor python3 to run an HTTP server");
  return server.argv(port, token);
}

/** One GET: the body when it answered 2xx, else a description of what happened. */
export async function fetchOnce(url: string): Promise<{ ok: true; body: string } | { ok: false; why: string }> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
    const body = await response.text();
    if (response.ok) return { ok: true, body };
    return { ok: false, why: `HTTP ${response.status}: ${body.slice(0, 200)}` };
  } catch (error) {
    return { ok: false, why: String((error as Error).cause ?? error) };
  }
}

/**
 * One GET on a connection of its own (no keep-alive), so that a forwarder serving only its first
 * connection cannot hide behind a reused socket.
 */
export function fetchFresh(url: string): Promise<{ ok: true; body: string } | { ok: false; why: string }> {
  return new Promise((resolve) => {
    const send = url.startsWith("https:") ? httpsRequest : httpRequest;
    const request = send(url, { agent: false, headers: { connection: "close" }, timeout: 5_000 }, (response) => {
      let body = "";
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => {
        body += chunk;
      });
      response.on("end", () => {
        const status = response.statusCode ?? 0;
        resolve(
          status >= 200 && status < 300
            ? { ok: true, body }
            : { ok: false, why: `HTTP ${status}: ${body.slice(0, 200)}` },
        );
      });
      response.on("error", (error) => resolve({ ok: false, why: String(error) }));
    });
    request.on("timeout", () => request.destroy(new Error("timed out after 5 s")));
    request.on("error", (error) => resolve({ ok: false, why: String(error) }));
    request.end();
  });
}

/** Polls `url` until it answers `token`; throws after `timeoutMs` with the last failure. */
export async function waitForToken(url: string, token: string, timeoutMs: number): Promise<void> {
  const parsed = new URL(url);
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:")
    throw new Error(`getUrl returned ${url}, not an http(s) URL`);
  const deadline = Date.now() + timeoutMs;
  let last = "";
  for (;;) {
    const answer = await fetchOnce(url);
    if (answer.ok && answer.body === token) return;
    last = answer.ok ? `answered ${JSON.stringify(answer.body.slice(0, 200))}, not the token` : answer.why;
    if (Date.now() > deadline) throw new Error(`GET ${url} never answered with the token ${token}; last: ${last}`);
    await sleep(300);
  }
}

/**
 * Polls `url` until it no longer answers `token` (refused, reset, another answer); throws when
 * it still does after `timeoutMs`.
 */
export async function waitForSilence(url: string, token: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const answer = await fetchOnce(url);
    if (!answer.ok || answer.body !== token) return;
    if (Date.now() > deadline) throw new Error(`GET ${url} still answers with the sandbox's token ${token}`);
    await sleep(300);
  }
}
