import { type ExecResult, hasErrorCode, redact, TimeoutError } from "@openlattice/core";

/**
 * Joining a Modal sandbox to a tailnet (userspace networking, since sandboxes have no TUN
 * device by default). The auth key only ever travels in the environment (`TS_AUTHKEY`, sent
 * by the SDK as a secret source or an ephemeral Secret) or in a named Modal Secret: the boot
 * script references `$TS_AUTHKEY`, writes it to a 0600 file and passes `--auth-key=file:...`,
 * so it appears in no argv, neither the SDK's nor tailscale's.
 */

/** Environment variable carrying the auth key into the sandbox. */
export const TAILSCALE_KEY_ENV = "TS_AUTHKEY";
const SOCKET = "/tmp/openlattice-tailscaled.sock";

/** Dockerfile layer installing Tailscale on a Debian/Ubuntu image. */
export const TAILSCALE_INSTALL_COMMANDS = [
  "RUN apt-get update && apt-get install -y --no-install-recommends curl ca-certificates " +
    "&& curl -fsSL https://tailscale.com/install.sh | sh && rm -rf /var/lib/apt/lists/*",
];

/** The sandbox's main command: start tailscaled, log in with the key from the environment, idle. */
export function tailscaleBootCommand(proxyPort: number, hostname: string): string[] {
  const script = [
    "set -e",
    `tailscaled --tun=userspace-networking --state=mem: --socket=${SOCKET} --socks5-server=localhost:${proxyPort} --outbound-http-proxy-listen=localhost:${proxyPort} >/tmp/openlattice-tailscaled.log 2>&1 &`,
    'umask 077; key_file=$(mktemp); printf %s "$TS_AUTHKEY" > "$key_file"; unset TS_AUTHKEY',
    `for i in $(seq 1 50); do tailscale --socket=${SOCKET} status >/dev/null 2>&1 && break; [ -S ${SOCKET} ] && break; sleep 0.2; done`,
    `tailscale --socket=${SOCKET} up --auth-key="file:$key_file" --hostname=${shellWord(hostname)} --accept-dns=false; rm -f "$key_file"`,
    "exec sleep infinity",
  ].join("\n");
  return ["sh", "-c", script];
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

function shellWord(value: string): string {
  return `'${value.replace(/'/g, "'\\''")}'`;
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
