import { type EgressPolicy, hasErrorCode } from "@openlattice/core";
import type { CaseContext } from "../suite/case-context.js";
import type { CaseDefinition } from "./case-definition.js";

/** One connection attempt to `$1`, printing `reached` (any HTTP answer) or `blocked`, per client program. */
const CLIENTS: Readonly<Record<string, string[]>> = {
  node: [
    "node",
    "-e",
    "fetch(process.argv[1],{signal:AbortSignal.timeout(5000)}).then(()=>console.log('reached'),()=>console.log('blocked'))",
  ],
  python3: [
    "python3",
    "-c",
    [
      "import sys,urllib.request,urllib.error",
      "try:",
      "  urllib.request.urlopen(sys.argv[1],timeout=5);print('reached')",
      "except urllib.error.HTTPError:",
      "  print('reached')",
      "except Exception:",
      "  print('blocked')",
    ].join("\n"),
  ],
  curl: ["sh", "-c", 'if curl -sS -o /dev/null -m 5 "$1" 2>/dev/null; then echo reached; else echo blocked; fi', "sh"],
  wget: [
    "sh",
    "-c",
    'wget -q -O /dev/null -T 5 "$1" 2>/dev/null; s=$?; if [ $s = 0 ] || [ $s = 8 ]; then echo reached; else echo blocked; fi',
    "sh",
  ],
};

/** The probe URL, or `not-run`. */
function requireProbe(c: CaseContext): string {
  const url = c.options.probeUrl;
  if (url === undefined)
    c.notRun("needs options.probeUrl (CLI: --probe-url): a URL a sandbox with egress all can reach");
  return url;
}

/** Whether a sandbox provisioned with `egress` reaches the probe URL. */
async function reaches(c: CaseContext, egress: EgressPolicy | undefined, url: string): Promise<boolean> {
  const node = await c.provision(egress === undefined ? {} : { network: { egress } });
  const client = await c.firstProgram(node.externalId, Object.keys(CLIENTS));
  if (client === undefined) c.notRun("the sandbox image has none of node, python3, curl or wget to connect with");
  const result = await c.mustExec(node.externalId, [...(CLIENTS[client] as string[]), url], { timeoutMs: 60_000 });
  const answer = result.stdout.trim();
  if (answer !== "reached" && answer !== "blocked")
    throw new Error(`the ${client} probe printed ${JSON.stringify(answer)}`);
  return answer === "reached";
}

/**
 * Checks that the probe URL is reachable at all (egress "all", or the provider's default), so a
 * "blocked" under a policy means the policy blocked it.
 */
async function requireReachable(c: CaseContext, url: string): Promise<void> {
  const control = c.capabilities.egress.includes("all") ? "all" : undefined;
  if (!(await reaches(c, control, url))) {
    c.notRun(`the probe URL ${url} is not reachable from a sandbox with egress ${control ?? "(provider default)"}`);
  }
}

/** When a mode is not declared, provisioning with it must be refused with unsupported. */
async function requireMode(c: CaseContext, mode: "none" | "allowlist", egress: EgressPolicy): Promise<void> {
  if (c.capabilities.egress.includes(mode)) return;
  try {
    await c.provision({ network: { egress } });
  } catch (error) {
    if (hasErrorCode(error, "unsupported"))
      c.unsupported(`egress ${mode} is not declared and is refused with unsupported`);
    throw error;
  }
  throw new Error(`capabilities.egress lacks ${mode} but a sandbox with it was provisioned`);
}

/** An allow-list entry that admits exactly the probe URL's host. */
function allowEntry(host: string): string {
  const bare = host.replace(/^\[|\]$/g, "");
  if (/^\d+\.\d+\.\d+\.\d+$/.test(bare)) return `${bare}/32`;
  if (bare.includes(":")) return `${bare}/128`;
  return bare;
}

/** Egress policies, proved against a reachable probe URL. */
export const EGRESS_CASES: readonly CaseDefinition[] = [
  {
    id: "egress.none.enforced",
    run: async (c) => {
      await requireMode(c, "none", "none");
      const url = requireProbe(c);
      await requireReachable(c, url);
      if (await reaches(c, "none", url)) throw new Error(`a sandbox with egress none reached ${url}`);
    },
  },
  {
    id: "egress.allowlist.enforced",
    run: async (c) => {
      await requireMode(c, "allowlist", { allow: ["olc-not-the-probe.invalid"] });
      const url = requireProbe(c);
      await requireReachable(c, url);
      if (await reaches(c, { allow: ["olc-not-the-probe.invalid"] }, url)) {
        throw new Error(`a sandbox whose allow-list lacks the probe host reached ${url}`);
      }
      const entry = allowEntry(new URL(url).hostname);
      if (!(await reaches(c, { allow: [entry] }, url))) {
        throw new Error(`a sandbox whose allow-list is [${entry}] could not reach ${url}`);
      }
    },
  },
];
