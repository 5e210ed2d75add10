/**
 * A shell on a pseudo-terminal inside a sandbox, driven from this terminal: the quickest way
 * to "ssh" into a sandbox. Keys go to the sandbox as typed (Ctrl-C interrupts the command
 * running there), and the sandbox's terminal follows this one's size.
 *
 * Run: pnpm --filter @openlattice/examples run interactive-shell            # local provider
 *      pnpm --filter @openlattice/examples run interactive-shell --modal    # Modal (emulator offline)
 * Without a terminal (CI), `--type "commands"` types those lines into the shell and exits.
 */
import { type Capabilities, openSandbox, type Provider } from "@openlattice/core";
import { LocalProvider } from "@openlattice/local";
import { modalTarget } from "./lib/modal-target.js";
import { step } from "./lib/print.js";

const args = process.argv.slice(2);
const typeIndex = args.indexOf("--type");
const typed = typeIndex >= 0 ? args[typeIndex + 1] : undefined;
const useModal = args.includes("--modal");

const modal = useModal ? await modalTarget(args.includes("--emulator") || !process.env.MODAL_TOKEN_ID) : undefined;
const provider: Provider = modal?.provider ?? new LocalProvider();
const capabilities: Capabilities = provider.capabilities;
try {
  if (!capabilities.pty || !capabilities.extensions.includes("processes")) {
    step(`the ${provider.name} provider has no terminal support here (capabilities.pty is ${capabilities.pty})`);
  } else {
    await shell(provider);
  }
} finally {
  await modal?.close();
}

async function shell(target: Provider): Promise<void> {
  await using sandbox = await openSandbox(target, { labels: { example: "interactive-shell" } });
  const terminal = process.stdin.isTTY && process.stdout.isTTY && typed === undefined;
  step(`sandbox ${sandbox.id} on ${target.name}; ${terminal ? "exit the shell to leave" : "typing the given lines"}`);
  const shellProcess = await sandbox.processes.start(["sh", "-i"], {
    pty: true,
    cols: process.stdout.columns || 80,
    rows: process.stdout.rows || 24,
    env: { TERM: process.env.TERM ?? "xterm-256color", PS1: "sandbox$ " },
    onStdoutBytes: (bytes) => process.stdout.write(bytes),
  });
  if (terminal) {
    process.stdin.setRawMode(true);
    process.stdin.on("data", (keys: Buffer) => void shellProcess.write(keys));
    process.stdout.on("resize", () => void shellProcess.resize(process.stdout.columns, process.stdout.rows));
  } else {
    for (const line of (typed ?? "").split(";;")) await shellProcess.write(`${line}\n`);
    await shellProcess.write("exit\n");
  }
  const result = await shellProcess.wait();
  if (terminal) process.stdin.setRawMode(false);
  process.stdin.pause();
  step(`the shell exited with code ${result.exitCode}`);
}
