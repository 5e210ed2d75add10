import { accessSync, constants } from "node:fs";
import path from "node:path";
import { InvalidArgumentError } from "@openlattice/core";
import { packageRoot } from "./agent-binary.js";

/**
 * The seccomp filter of namespace sandboxes: `"default"` (the filter this package builds from
 * `agent/seccomp/gen-seccomp.c`, modelled on Docker's default profile), `"off"` (bubblewrap's
 * defaults only), or a compiled classic-BPF program of your own (`seccomp_export_bpf` output for
 * this machine's architecture), loaded exactly as given.
 */
export type SeccompOption = "default" | "off" | { readonly bpfPath: string };

/** What a provider applies: the BPF file bubblewrap loads, or none. */
export type SeccompPlan =
  | { readonly kind: "default" | "custom"; readonly bpfPath: string }
  | { readonly kind: "off"; readonly bpfPath?: undefined };

/** The system calls the default filter refuses, as documented (kept in step with gen-seccomp.c). */
export const DEFAULT_SECCOMP_SUMMARY =
  "refuses keyrings (add_key, keyctl, request_key), io_uring_*, userfaultfd, bpf, perf_event_open, kexec_*, " +
  "module loading, mount/umount/pivot_root and the new mount API, setns, unshare and clone with namespace flags " +
  "(nested user namespaces), clock/reboot/swap/quota/acct calls, file handles, process_vm_*, kcmp, and setting " +
  "setuid/setgid mode bits; clone3, openat2 and fchmodat2 return ENOSYS";

/** File name of the default filter for an architecture, as the package build writes it into `bin/`. */
export function defaultSeccompName(arch: string = process.arch): string {
  return `openlattice-seccomp-linux-${arch}.bpf`;
}

/** Validates the option; a typo or a relative path fails typed, naming `seccomp`. */
export function planSeccomp(option: unknown, provider: string): SeccompPlan {
  if (option === undefined || option === "default") {
    const root = packageRoot();
    return { kind: "default", bpfPath: path.join(root ?? ".", "bin", defaultSeccompName()) };
  }
  if (option === "off") return { kind: "off" };
  const bpfPath = (option as { bpfPath?: unknown } | null)?.bpfPath;
  if (typeof option === "object" && typeof bpfPath === "string" && path.isAbsolute(bpfPath)) {
    return { kind: "custom", bpfPath };
  }
  throw new InvalidArgumentError(
    "seccomp",
    'must be "default", "off" or { bpfPath: "/absolute/path/to/filter.bpf" } (a compiled classic-BPF seccomp program)',
    { provider },
  );
}

/** Why the planned filter (checked once, when the provider is made) cannot be loaded (its file is missing or unreadable), or undefined. */
export function seccompProblem(plan: SeccompPlan): string | undefined {
  if (plan.kind === "off") return undefined;
  try {
    accessSync(plan.bpfPath, constants.R_OK);
    return undefined;
  } catch {
    return plan.kind === "default"
      ? `the default seccomp filter ${plan.bpfPath} is missing: build the package (needs gcc and libseccomp-dev) or pass seccomp: "off"`
      : `the seccomp filter ${plan.bpfPath} is missing or unreadable`;
  }
}

/** How capabilities and health describe the filter. */
export function describeSeccomp(plan: SeccompPlan): string {
  if (plan.kind === "off") return 'off: no seccomp filter beyond bubblewrap\'s own (seccomp: "off")';
  if (plan.kind === "custom") return `custom filter ${plan.bpfPath}`;
  return `default filter (modelled on Docker's default profile): ${DEFAULT_SECCOMP_SUMMARY}`;
}
