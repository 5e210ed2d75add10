import { type ExecResult, hasErrorCode, redact, TimeoutError } from "@openlattice/core";

/**
 * Joining a Modal sandbox to a tailnet (userspace networking, since sandboxes have no TUN
 * device by default). The sandbox's main process only runs `tailscaled`; the auth key never
 * enters the sandbox's environment, tags, argv or files: the provider sends it as the stdin of
 * one exec, `tailscale up --auth-key=file:/dev/stdin`, so only that process ever reads it and
 * no later exec can `printenv` it.
 */

const SOCKET = "/tmp/openlattice-tailscaled.sock";

/** Dockerfile layer installing Tailscale on a Debian/Ubuntu image. */
export const TAILSCALE_INSTALL_COMMANDS = [
  "RUN apt-get update && apt-get install -y --no-install-recommends curl ca-certificates " +
    "&& curl -fsSL https://tailscale.com/install.sh | sh && rm -rf /var/lib/apt/lists/*",
];

/** The sandbox's main command: run tailscaled (no key; `tailscaleUpCommand` logs in), and idle. */
export function tailscaleBootCommand(proxyPort: number): string[] {
  const script = [
    `tailscaled --tun=userspace-networking --state=mem: --socket=${SOCKET} --socks5-server=localhost:${proxyPort} --outbound-http-proxy-listen=localhost:${proxyPort} >/tmp/openlattice-tailscaled.log 2>&1 &`,
    "exec sleep infinity",
  ].join("\n");
  return ["sh", "-c", script];
}

/**
 * Logs the node in with the key it reads from its stdin (`--auth-key=file:/dev/stdin`), once
 * tailscaled answers. The hostname is a positional argument, never spliced into the script.
 */
export function tailscaleUpCommand(hostname: string): string[] {
  const script = [
    'for i in $(seq 1 100); do tailscale --socket="$0" status >/dev/null 2>&1 && break; [ -S "$0" ] && break; sleep 0.1; done',
    'exec tailscale --socket="$0" up --auth-key=file:/dev/stdin --hostname="$1" --accept-dns=false',
  ].join("\n");
  return ["sh", "-c", script, SOCKET, hostname];
}

/** Readiness probe: prints tailscaled's status as JSON (`BackendState` is `Running` once joined). */
export function tailscaleStatusCommand(): string[] {
  return ["tailscale", `--socket=${SOCKET}`, "status", "--json"];
}

/** Logs the node out so that it leaves the tailnet at once instead of lingering as offline. */
export function tailscaleLogoutCommand(): string[] {
  return ["tailscale", `--socket=${SOCKET}`, "logout"];
}

/** Environment that sends other processes' traffic through tailscaled's proxy. */
export function tailscaleProxyEnv(proxyPort: number): Record<string, string> {
  return {
    ALL_PROXY: `socks5://localhost:${proxyPort}/`,
    HTTP_PROXY: `http://localhost:${proxyPort}/`,
    HTTPS_PROXY: `http://localhost:${proxyPort}/`,
    http_proxy: `http://localhost:${proxyPort}/`,
    https_proxy: `http://localhost:${proxyPort}/`,
  };
}

/** True when `tailscale status --json` output says the node is connected. */
export function isTailscaleRunning(statusJson: string): boolean {
  try {
    return (JSON.parse(statusJson) as { BackendState?: unknown }).BackendState === "Running";
  } catch {
    return false;
  }
}

/**
 * Polls `tailscale status --json` until the node reports `Running`. A sandbox that ended (its
 * boot script failed) stops the wait at once; the last output is kept for the error, redacted.
 */
export async function waitForTailscale(
  exec: (argv: string[]) => Promise<ExecResult>,
  externalId: string,
  timeoutMs: number,
  signal: AbortSignal | undefined,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  while (Date.now() < deadline) {
    signal?.throwIfAborted();
    const result = await exec(tailscaleStatusCommand()).catch((error: unknown) => {
      if (hasErrorCode(error, "terminated")) throw error;
      return undefined;
    });
    if (result && isTailscaleRunning(result.stdout)) return;
    last = result ? `${result.stdout}${result.stderr}`.slice(-300) : last;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  throw new TimeoutError(`modal provision ${externalId}: the Tailscale node did not come up (${redact(last.trim())})`, {
    provider: "modal",
  });
}
