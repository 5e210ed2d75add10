import type { CaseDefinition } from "./case-definition.js";
import { requireExtension, sleep } from "./case-helpers.js";

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

/** The `network` extension, checked with a real request from the host. */
export const NETWORK_CASES: readonly CaseDefinition[] = [
  {
    id: "network.get-url.http",
    run: async (c) => {
      // A port unlikely to be in use where sandboxes share the host's network (isolation "none").
      const port = 20_000 + Math.floor(Math.random() * 20_000);
      const box = await c.sandbox({ network: { ports: [port] } });
      const network = requireExtension(c, box.id, "network");
      let server: (typeof SERVERS)[number] | undefined;
      for (const candidate of SERVERS) {
        if (await c.hasProgram(box.id, candidate.program)) {
          server = candidate;
          break;
        }
      }
      if (!server) return c.notRun("the sandbox image has neither node nor python3 to run an HTTP server");
      const token = `olc-${Math.random().toString(36).slice(2)}`;
      // Backgrounded with its output detached, so the exec returns while the server keeps running.
      const start = await c.exec(box.id, [
        "sh",
        "-c",
        '"$@" >/dev/null 2>&1 </dev/null &',
        "sh",
        ...server.argv(port, token),
      ]);
      if (start.exitCode !== 0) throw new Error(`starting the server failed: ${start.stderr}`);
      const url = await network.getUrl(port);
      const parsed = new URL(url);
      if (parsed.protocol !== "http:" && parsed.protocol !== "https:")
        throw new Error(`getUrl returned ${url}, not an http(s) URL`);
      const deadline = Date.now() + c.options.timeouts.networkReadyMs;
      let last = "";
      for (;;) {
        try {
          const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
          const body = await response.text();
          if (response.ok && body === token) return;
          last = `HTTP ${response.status}: ${body.slice(0, 200)}`;
        } catch (error) {
          last = String((error as Error).cause ?? error);
        }
        if (Date.now() > deadline) throw new Error(`GET ${url} never answered with the token; last: ${last}`);
        await sleep(300);
      }
    },
  },
];
