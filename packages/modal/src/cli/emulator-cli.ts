import { parseArgs } from "node:util";
import { startModalEmulator } from "../emulator/modal-emulator.js";
import { parseOrUsage } from "./parse-cli-args.js";

const USAGE = `Usage: openlattice-modal-emulator [options]

Starts a local server speaking Modal's control-plane and command-router protocols, so that the
unmodified modal SDK (0.11.1) runs offline. Sandboxes run on @openlattice/local. GPU requests
are recorded but run without a GPU. Tunnels serve TLS with a self-signed certificate; the
printed NODE_EXTRA_CA_CERTS makes Node programs trust it. Stop with Ctrl-C.

Options:
  --port <n>           port to listen on, 0-65535 (default: any free port)
  --host <addr>        interface (default 127.0.0.1)
  --isolation <tier>   local backend tier: auto, namespace or none (default auto)
  --state-dir <dir>    local backend state directory
  --open-egress        give sandboxes open networking, as Modal does (on the namespace tier
                       this shares the host's network)
  --token-id <id>      require these credentials (with --token-secret), as Modal does
  --token-secret <s>   the secret for --token-id
  --log                print one line per call (method, status, duration, ids; no payloads)
  -h, --help           show this help`;

/** Runs the emulator CLI until SIGINT/SIGTERM (or until `stop` settles); returns the exit code. */
export async function runEmulatorCli(argv: readonly string[], stop?: Promise<unknown>): Promise<number> {
  const parsed = parseOrUsage(argv, parse, USAGE);
  if ("exitCode" in parsed) return parsed.exitCode;
  const { values } = parsed;
  const usageError = (message: string) => {
    process.stderr.write(`${message}\n\n${USAGE}\n`);
    return 2;
  };
  const isolation = values.isolation ?? "auto";
  if (isolation !== "auto" && isolation !== "namespace" && isolation !== "none") {
    return usageError(`--isolation must be auto, namespace or none, not ${JSON.stringify(isolation)}`);
  }
  let port: number | undefined;
  if (values.port !== undefined) {
    port = Number(values.port);
    if (!/^\d+$/.test(values.port) || port > 65535) {
      return usageError(`--port must be a port number from 0 to 65535, not ${JSON.stringify(values.port)}`);
    }
  }
  if ((values["token-id"] === undefined) !== (values["token-secret"] === undefined)) {
    return usageError("--token-id and --token-secret go together");
  }
  const emulator = await startModalEmulator({
    ...(port === undefined ? {} : { port }),
    ...(values.host ? { host: values.host } : {}),
    local: { isolation, ...(values["state-dir"] ? { stateDir: values["state-dir"] } : {}) },
    ...(values["open-egress"] ? { openEgress: true } : {}),
    ...(values["token-id"] !== undefined && values["token-secret"] !== undefined
      ? { credentials: { tokenId: values["token-id"], tokenSecret: values["token-secret"] } }
      : {}),
    ...(values.log ? { log: (line: string) => process.stderr.write(`[emulator] ${line}\n`) } : {}),
  });
  process.stdout.write(`Modal emulator listening on ${emulator.url} (modal SDK ${emulator.sdkVersion} protocol)\n`);
  process.stdout.write("Point the modal SDK at it (set these before importing modal):\n");
  for (const [name, value] of Object.entries(emulator.env())) {
    // The secret is the caller's own; printing it back would put it in terminal scrollback and logs.
    const shown =
      name === "MODAL_TOKEN_SECRET" && values["token-secret"] !== undefined ? "<your --token-secret>" : value;
    process.stdout.write(`  export ${name}=${shown}\n`);
  }
  await new Promise<void>((resolve) => {
    const done = () => {
      process.off("SIGINT", done);
      process.off("SIGTERM", done);
      resolve();
    };
    process.once("SIGINT", done);
    process.once("SIGTERM", done);
    stop?.then(done, done);
  });
  await emulator.close();
  return 0;
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    options: {
      port: { type: "string" },
      host: { type: "string" },
      isolation: { type: "string" },
      "state-dir": { type: "string" },
      "open-egress": { type: "boolean" },
      "token-id": { type: "string" },
      "token-secret": { type: "string" },
      log: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
}
