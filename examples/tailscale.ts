/**
 * Joins a Modal sandbox to your tailnet with an auth key from the environment, shows its
 * tailnet identity, reaches a tailnet peer through the sandbox's proxy when one is named, and
 * destroys the sandbox (which logs the node out first).
 *
 * Needs TS_AUTHKEY (an ephemeral, pre-authorized key) and MODAL_TOKEN_ID/MODAL_TOKEN_SECRET:
 * a real tailnet cannot be reached offline, so without them it says what is missing and exits 0.
 * The key reaches the sandbox only as the stdin of its one `tailscale up` exec: it is never in
 * the sandbox's environment, argv, tags, logs or errors.
 *
 * Run: TS_AUTHKEY=tskey-auth-… pnpm --filter @openlattice/examples run tailscale [--peer http://my-host:8080]
 */
import { parseArgs } from "node:util";
import { openSandbox, registerSecret } from "@openlattice/core";
import { modalTarget } from "./lib/modal-target.js";
import { step } from "./lib/print.js";

const { values } = parseArgs({ options: { peer: { type: "string" } } });
const key = process.env.TS_AUTHKEY;
if (!key) {
  console.log("skipped: set TS_AUTHKEY to an ephemeral, pre-authorized Tailscale auth key to run this example");
} else if (!process.env.MODAL_TOKEN_ID || !process.env.MODAL_TOKEN_SECRET) {
  console.log(
    "skipped: joining a tailnet needs real Modal; set MODAL_TOKEN_ID and MODAL_TOKEN_SECRET " +
      "(the offline emulator records where the key travels but cannot reach a tailnet)",
  );
} else {
  registerSecret(key);
  const target = await modalTarget(false);
  try {
    await using sandbox = await openSandbox(target.provider, {
      network: { tailscaleAuthKey: key },
      duration: { maxSeconds: 600 },
      labels: { example: "tailscale" },
    });
    step(`sandbox ${sandbox.id} joined the tailnet`);
    const status = await sandbox.exec(["tailscale", "status", "--json"], { timeoutMs: 30_000 });
    const self = (JSON.parse(status.stdout) as { Self?: { DNSName?: string; TailscaleIPs?: string[] } }).Self;
    step(`tailnet name ${self?.DNSName ?? "?"}, addresses ${(self?.TailscaleIPs ?? []).join(", ")}`);
    if (values.peer) {
      // HTTP_PROXY/ALL_PROXY point at tailscaled's userspace proxy, which urllib honours.
      const fetchScript =
        "import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1], timeout=20).read(200).decode())";
      const peer = await sandbox.exec(["python3", "-c", fetchScript, values.peer], { timeoutMs: 30_000 });
      step(`GET ${values.peer} through the tailnet: exit ${peer.exitCode}, ${peer.stdout.slice(0, 200)}`);
    }
  } finally {
    await target.close();
  }
  step("sandbox destroyed (logged out of the tailnet first)");
}
