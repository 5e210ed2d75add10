import { parseArgs } from "node:util";
import { ModalProvider } from "../provider/modal-provider.js";
import { parseOrUsage } from "./parse-cli-args.js";
import { parseDurationMs } from "./parse-duration.js";

const USAGE = `Usage: openlattice-modal-sweep --older-than <duration> [options]

Terminates Modal sandboxes tagged by openlattice that were created more than <duration> ago.
Credentials come from MODAL_TOKEN_ID/MODAL_TOKEN_SECRET or ~/.modal.toml.

Options:
  --older-than <d>   age cut-off with a unit: 30m, 2h, 1d (also ms, s); required
  --owner <name>     only sandboxes with this openlattice-owner tag
  --run <id>         only sandboxes with this openlattice-run tag
  --app <name>       Modal app (default: OPENLATTICE_MODAL_APP or "openlattice")
  --environment <e>  Modal environment
  --dry-run          list what would be terminated, terminate nothing
  --json             print the report as JSON
  -h, --help         show this help`;

/** Runs the sweep CLI; returns the process exit code. */
export async function runSweepCli(argv: readonly string[]): Promise<number> {
  const parsed = parseOrUsage(argv, parse, USAGE);
  if ("exitCode" in parsed) return parsed.exitCode;
  const { values } = parsed;
  if (!values["older-than"]) {
    process.stderr.write(`--older-than is required\n\n${USAGE}\n`);
    return 2;
  }
  let olderThanMs: number;
  try {
    olderThanMs = parseDurationMs(values["older-than"]);
  } catch (error) {
    process.stderr.write(`--older-than: ${(error as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  const provider = new ModalProvider({
    ...(values.app ? { appName: values.app } : {}),
    ...(values.environment ? { environment: values.environment } : {}),
  });
  const report = await provider.sweep({
    olderThanMs,
    ...(values.owner ? { owner: values.owner } : {}),
    ...(values.run ? { runId: values.run } : {}),
    dryRun: values["dry-run"] ?? false,
  });
  if (values.json) {
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } else {
    const verb = values["dry-run"] ? "would terminate" : "terminated";
    for (const id of report.terminated) process.stdout.write(`${verb} ${id}\n`);
    for (const failure of report.failed) process.stderr.write(`failed ${failure.externalId}: ${failure.error}\n`);
    process.stdout.write(
      `${report.terminated.length} ${verb}, ${report.kept.length} kept, ${report.failed.length} failed\n`,
    );
  }
  return report.failed.length > 0 ? 1 : 0;
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    options: {
      "older-than": { type: "string" },
      owner: { type: "string" },
      run: { type: "string" },
      app: { type: "string" },
      environment: { type: "string" },
      "dry-run": { type: "boolean" },
      json: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
}
