import type { Sandbox } from "modal";

/** What a short helper command printed, and how it ended. */
export interface HelperResult {
  readonly code: number;
  readonly stdout: Uint8Array;
  readonly stderr: string;
}

/**
 * Runs a short helper command of the provider's (a constant script, values as positional
 * arguments) to its end: stdin closed at once, both streams read with the wait, a 60 s
 * server-side backstop. SDK errors propagate unmapped, for the caller to name its operation.
 */
export async function runHelper(sandbox: Sandbox, argv: readonly string[]): Promise<HelperResult> {
  const helper = await sandbox.exec([...argv], { mode: "binary", timeoutMs: 60_000 });
  await helper.stdin.close();
  const [stdout, stderr, code] = await Promise.all([
    helper.stdout.readBytes(),
    helper.stderr.readBytes(),
    helper.wait(),
  ]);
  return { code, stdout, stderr: new TextDecoder().decode(stderr).trim() };
}
