import { parseArgs } from "node:util";
import { startModalEmulator } from "../emulator/modal-emulator.js";
import { parseOrUsage } from "./parse-cli-args.js";

const USAGE = `Usage: openlattice-modal-emulator [options]

Starts a local server speaking Modal's control-plane and command-router protocols, so that the
unmodified modal SDK (0.11.1) runs offline. Sandboxes run on @openlattice/local. GPU requests
are recorded but run without a GPU. Stop with Ctrl-C.

Options:
  --port <n>           port to listen on (default: any free port)
  --host <addr>        interface (default 127.0.0.1)
  --isolation <tier>   local backend tier: auto, namespace or none (default auto)
  --state-dir <dir>    local backend state directory
  --log                print the emulator's log lines
  -h, --help           show this help`;

/** Runs the emulator CLI until SIGINT/SIGTERM; returns the exit code. */
export async function runEmulatorCli(argv: readonly string[]): Promise<number> {
  const parsed = parseOrUsage(argv, parse, USAGE);
  if ("exitCode" in parsed) return parsed.exitCode;
  const { values } = parsed;
  const isolation = values.isolation ?? "auto";
  if (isolation !== "auto" && isolation !== "namespace" && isolation !== "none") {
    process.stderr.write(`--isolation must be auto, namespace or none\n`);
    return 2;
  }
  const emulator = await startModalEmulator({
    ...(values.port ? { port: Number(values.port) } : {}),
    ...(values.host ? { host: values.host } : {}),
    local: { isolation, ...(values["state-dir"] ? { stateDir: values["state-dir"] } : {}) },
    ...(values.log ? { log: (line: string) => process.stderr.write(`[emulator] ${line}\n`) } : {}),
  });
  process.stdout.write(`Modal emulator listening on ${emulator.url} (modal SDK ${emulator.sdkVersion} protocol)\n`);
  process.stdout.write("Point the modal SDK at it (set these before importing modal):\n");
  for (const [name, value] of Object.entries(emulator.env())) process.stdout.write(`  export ${name}=${value}\n`);
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
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
      log: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
}
