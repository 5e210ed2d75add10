import type { Capabilities } from "@openlattice/core";
import { ServerError, Status } from "nice-grpc";
import type { SandboxDefinition } from "./emulated-sandbox.js";

/** GPU types Modal offers for sandboxes, with the most of each per sandbox (modal.com/docs/guide/gpu). */
export const EMULATOR_GPU_LIMITS: Readonly<Record<string, number>> = {
  T4: 8,
  L4: 8,
  A10: 4,
  A10G: 4,
  L40S: 8,
  A100: 8,
  "A100-40GB": 8,
  "A100-80GB": 8,
  "RTX-PRO-6000": 8,
  H100: 8,
  "H100!": 8,
  H200: 8,
  B200: 8,
  "B200+": 8,
};

/** Longest sandbox lifetime Modal accepts (24 h), and the longest idle timeout. */
export const MAX_TIMEOUT_SECS = 24 * 3600;
/**
 * Resource and tag bounds the emulator enforces. Modal rejects requests beyond its maxima
 * with an InvalidError but does not publish every number; these are the emulator's, stated in
 * the README.
 */
export const EMULATOR_LIMITS = {
  minMilliCpu: 125,
  maxMilliCpu: 64_000,
  minMemoryMb: 128,
  maxMemoryMb: 344_064,
  maxTags: 100,
  maxTagNameLength: 128,
  maxTagValueLength: 512,
} as const;

const invalid = (message: string) => new ServerError(Status.INVALID_ARGUMENT, message);
const unsupported = (what: string, instead: string) =>
  new ServerError(Status.UNIMPLEMENTED, `the openlattice Modal emulator does not support ${what}; ${instead}`);

/**
 * Refuses what Modal refuses (GPU types and counts, lifetimes over 24 h, resources and tags
 * out of range) and, loudly, what the emulator cannot do faithfully (PTYs, volumes, mounts,
 * proxies, allowlists, memory snapshots…), instead of ignoring it.
 */
export function checkDefinition(
  definition: SandboxDefinition,
  tags: readonly { tagName?: string; tagValue?: string }[],
  backend: Capabilities,
): void {
  const timeout = definition.timeoutSecs ?? 0;
  if (timeout > MAX_TIMEOUT_SECS) {
    throw invalid(`Sandbox timeout must be at most ${MAX_TIMEOUT_SECS} seconds (24 hours), got ${timeout}`);
  }
  const idle = definition.idleTimeoutSecs ?? 0;
  if (idle > MAX_TIMEOUT_SECS) {
    throw invalid(`Sandbox idle timeout must be at most ${MAX_TIMEOUT_SECS} seconds (24 hours), got ${idle}`);
  }
  checkResources(definition);
  checkTags(tags);
  checkUnsupported(definition, backend);
}

function checkResources(definition: SandboxDefinition): void {
  const resources = definition.resources;
  const gpu = resources?.gpuConfig;
  if (gpu && (gpu.count ?? 0) > 0) {
    const type = (gpu.gpuType ?? "").toUpperCase();
    const max = EMULATOR_GPU_LIMITS[type];
    if (max === undefined) {
      throw invalid(
        `Invalid GPU type '${gpu.gpuType}'. Supported types: ${Object.keys(EMULATOR_GPU_LIMITS).join(", ")}`,
      );
    }
    if ((gpu.count ?? 0) > max)
      throw invalid(`At most ${max} ${type} GPUs can be attached to a sandbox, got ${gpu.count}`);
  }
  const { minMilliCpu, maxMilliCpu, minMemoryMb, maxMemoryMb } = EMULATOR_LIMITS;
  const milliCpu = resources?.milliCpu ?? 0;
  if (milliCpu !== 0 && (milliCpu < minMilliCpu || milliCpu > maxMilliCpu)) {
    throw invalid(`cpu must be between ${minMilliCpu / 1000} and ${maxMilliCpu / 1000} cores, got ${milliCpu / 1000}`);
  }
  const milliCpuMax = resources?.milliCpuMax ?? 0;
  if (milliCpuMax !== 0 && (milliCpuMax < milliCpu || milliCpuMax > maxMilliCpu)) {
    throw invalid(`cpuLimit must be between cpu and ${maxMilliCpu / 1000} cores, got ${milliCpuMax / 1000}`);
  }
  const memory = resources?.memoryMb ?? 0;
  if (memory !== 0 && (memory < minMemoryMb || memory > maxMemoryMb)) {
    throw invalid(`memory must be between ${minMemoryMb} and ${maxMemoryMb} MiB, got ${memory}`);
  }
  const memoryMax = resources?.memoryMbMax ?? 0;
  if (memoryMax !== 0 && (memoryMax < memory || memoryMax > maxMemoryMb)) {
    throw invalid(`memoryLimit must be between memory and ${maxMemoryMb} MiB, got ${memoryMax}`);
  }
}

function checkTags(tags: readonly { tagName?: string; tagValue?: string }[]): void {
  const { maxTags, maxTagNameLength, maxTagValueLength } = EMULATOR_LIMITS;
  if (tags.length > maxTags) throw invalid(`A sandbox can have at most ${maxTags} tags, got ${tags.length}`);
  for (const tag of tags) {
    const name = tag.tagName ?? "";
    if (name === "" || name.length > maxTagNameLength) {
      throw invalid(`Tag names must be 1-${maxTagNameLength} characters, got ${JSON.stringify(name.slice(0, 200))}`);
    }
    if ((tag.tagValue ?? "").length > maxTagValueLength) {
      throw invalid(`The value of tag '${name}' is longer than ${maxTagValueLength} characters`);
    }
  }
}

function checkUnsupported(definition: SandboxDefinition, backend: Capabilities): void {
  if (definition.ptyInfo) throw unsupported("PTY sandboxes (pty: true)", "create the sandbox without a PTY");
  if ((definition.volumeMounts?.length ?? 0) > 0 || (definition.nfsMounts?.length ?? 0) > 0) {
    throw unsupported("volumes", "write to the sandbox filesystem or snapshot it instead");
  }
  if ((definition.cloudBucketMounts?.length ?? 0) > 0 || (definition.s3Mounts?.length ?? 0) > 0) {
    throw unsupported("cloud bucket mounts", "copy the data in with the filesystem API");
  }
  if ((definition.mountIds?.length ?? 0) > 0) throw unsupported("mounts", "copy the files in instead");
  if (definition.proxyId) throw unsupported("proxies", "create the sandbox without proxy");
  if (definition.i6pnEnabled) throw unsupported("i6pn private networking", "use tunnels (encryptedPorts)");
  if (definition.customDomain) throw unsupported("custom domains", "use the tunnel URLs");
  if (definition.enableSnapshot) {
    throw unsupported("memory snapshots (experimentalEnableSnapshot)", "use snapshotFilesystem");
  }
  if (definition.readinessProbe) throw unsupported("readiness probes", "poll with exec instead");
  if ((definition.inboundCidrAllowlist?.length ?? 0) > 0) {
    throw unsupported("inbound CIDR allowlists", "tunnels are reachable from the emulator's host only");
  }
  if (definition.experimentalOutboundPolicy || definition.outboundPolicy) {
    throw unsupported("outbound policies", "use blockNetwork or open networking");
  }
  if (definition.runtime && definition.runtime !== "gvisor") {
    throw unsupported(`runtime ${JSON.stringify(definition.runtime)}`, "omit runtime");
  }
  if (Object.keys(definition.experimentalOptionsV2 ?? {}).length > 0) {
    throw unsupported(
      `experimental options (${Object.keys(definition.experimentalOptionsV2 ?? {}).join(", ")})`,
      "omit them",
    );
  }
  if (definition.includeOidcIdentityToken) throw unsupported("OIDC identity tokens", "omit includeOidcIdentityToken");
  const access = definition.networkAccess;
  // NetworkAccess: 1 = OPEN, 2 = BLOCKED, 3 = ALLOWLIST.
  if (access?.networkAccessType === 3) {
    throw unsupported(
      "outbound allowlists (outboundCidrAllowlist, outboundDomainAllowlist)",
      "use blockNetwork or open networking",
    );
  }
  if ((access?.networkAccessType === 2 || definition.blockNetwork) && !backend.egress.includes("none")) {
    throw unsupported(
      "blockNetwork on this backend (it shares the host network)",
      "use a backend that can block egress",
    );
  }
}
