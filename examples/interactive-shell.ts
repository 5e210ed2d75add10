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

const PROMPT = "sandbox$ ";

/** Counts the shell's prompts in what it prints, so typed lines can wait for their turn. */
class PromptWatch {
  private seen = 0;
  private tail = "";
  private waiter: { count: number; resolve: () => void } | undefined;

  constructor(private readonly prompt: string) {}

  push(bytes: Uint8Array): void {
    const text = this.tail + Buffer.from(bytes).toString("utf8");
    this.seen += text.split(this.prompt).length - 1;
    // A prompt may arrive split across chunks: keep what could be its beginning.
    this.tail = text.slice(text.lastIndexOf(this.prompt) + 1).slice(-(this.prompt.length - 1));
    if (this.waiter && this.seen >= this.waiter.count) this.waiter.resolve();
  }

  /** Resolves once `count` prompts were printed; after 10 s it goes on regardless (a slow shell). */
  waitFor(count: number): Promise<void> {
    if (this.seen >= count) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, 10_000);
      this.waiter = {
        count,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
    });
  }
}
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
  const screen = new PromptWatch(PROMPT);
  const shellProcess = await sandbox.processes.start(["sh", "-i"], {
    pty: true,
    cols: process.stdout.columns || 80,
    rows: process.stdout.rows || 24,
    env: { TERM: process.env.TERM ?? "xterm-256color", PS1: PROMPT },
    onStdoutBytes: (bytes) => {
      process.stdout.write(bytes);
      screen.push(bytes);
    },
  });
  if (terminal) {
    process.stdin.setRawMode(true);
    process.stdin.on("data", (keys: Buffer) => void shellProcess.write(keys));
    process.stdout.on("resize", () => void shellProcess.resize(process.stdout.columns, process.stdout.rows));
  } else {
    // Like a person at the keyboard: each line once the shell shows its prompt, so what it
    // echoes reads as a session (typing ahead is legal but interleaves prompt and echo).
    let prompts = 0;
    for (const line of [...(typed ?? "").split(";;"), "exit"]) {
      await screen.waitFor(++prompts);
      await shellProcess.write(`${line}\n`);
    }
  }
  const result = await shellProcess.wait();
  if (terminal) process.stdin.setRawMode(false);
  process.stdin.pause();
  step(`the shell exited with code ${result.exitCode}`);
}
