import { randomBytes } from "node:crypto";
import path from "node:path";
import type { Provider, ProvisionSpec } from "@openlattice/core";
import type { EmulatedImage } from "./emulated-sandbox.js";
import { captureFilesystem, restoreFilesystem } from "./filesystem-snapshot.js";

/** One Dockerfile step the emulator can apply, as argv for the backend's exec. */
export type BuildStep = { readonly line: string; readonly argv: readonly string[] };

/** What a build needs from the emulator. */
export interface BuildContext {
  readonly backend: Provider;
  /** The backend image reference of the build's base (`imageForTag` of its tag). */
  readonly baseImage: string | undefined;
  /** The parent image, when built on one (`FROM base`): its filesystem snapshot is applied first. */
  readonly parent: EmulatedImage | undefined;
  readonly openEgress: boolean;
  /** Private directory for the resulting filesystem archive. */
  readonly stateDir: string;
  readonly log: (line: string) => void;
}

/** Why a build failed, worded for the `exception` Modal reports. */
export class BuildFailure extends Error {}

/**
 * Parses Dockerfile lines into the steps the emulator applies: `RUN` in shell form (run with
 * `/bin/sh -c`, as Docker does) or exec form (`RUN ["a", "b"]`). Every other instruction fails the
 * build, naming it: nothing is silently dropped.
 */
export function parseBuildSteps(lines: readonly string[]): BuildStep[] {
  return lines.map((line) => {
    const match = /^\s*RUN\s+([\s\S]+)$/i.exec(line);
    if (!match) {
      const word = /^\s*(\S+)/.exec(line)?.[1]?.toUpperCase() ?? line;
      throw new BuildFailure(
        `the openlattice Modal emulator applies only RUN steps; ${JSON.stringify(line.slice(0, 120))} (${word}) is not supported`,
      );
    }
    const body = (match[1] as string).trim();
    if (body.startsWith("[")) {
      let argv: unknown;
      try {
        argv = JSON.parse(body);
      } catch {
        argv = undefined;
      }
      if (!Array.isArray(argv) || argv.length === 0 || !argv.every((arg) => typeof arg === "string")) {
        throw new BuildFailure(`RUN step ${JSON.stringify(line.slice(0, 120))} is not a JSON array of strings`);
      }
      return { line, argv };
    }
    return { line, argv: ["/bin/sh", "-c", body] };
  });
}

/**
 * Builds an image by running its steps in a backend sandbox of the base image (as root, in
 * `/`, with the base's filesystem snapshot applied first), then archiving the sandbox's writable
 * filesystems: sandboxes of the image start from that archive. A step that exits non-zero fails
 * the build with its exit code and the tail of its output, as Modal's build log shows it.
 * Returns the archive's path.
 */
export async function buildImage(steps: readonly BuildStep[], context: BuildContext): Promise<string> {
  const spec: ProvisionSpec = {
    ...(context.baseImage ? { runtime: { image: context.baseImage, workdir: "/" } } : { runtime: { workdir: "/" } }),
    ...(context.openEgress ? { network: { egress: "all" as const } } : {}),
    labels: { "openlattice-modal-emulator": "image-build" },
  };
  const node = await context.backend.provision(spec);
  try {
    const parentSnapshot = context.parent?.snapshotFile;
    if (parentSnapshot) await restoreFilesystem(context.backend, node.externalId, parentSnapshot);
    for (const step of steps) {
      context.log(`image build: ${step.line.slice(0, 200)}`);
      let output = "";
      const keep = (chunk: string) => {
        output = (output + chunk).slice(-2000);
      };
      const result = await context.backend.exec(node.externalId, [...step.argv], {
        cwd: "/",
        maxOutputBytes: 64 * 1024,
        onStdout: keep,
        onStderr: keep,
      });
      if (result.exitCode !== 0) {
        throw new BuildFailure(
          `${step.line.slice(0, 200)} exited with code ${result.exitCode}${output.trim() ? `:\n${output.trim()}` : ""}`,
        );
      }
    }
    const file = path.join(context.stateDir, `image-${randomBytes(8).toString("hex")}.tar`);
    await captureFilesystem(context.backend, node.externalId, file, new AbortController().signal);
    return file;
  } finally {
    await context.backend.destroy(node.externalId).catch(() => undefined);
  }
}
