import { stat } from "node:fs/promises";
import { runSetupCommand, SetupCommandError } from "@openlattice/core";
import { ReferenceProvider, type ReferenceSandbox } from "../../../src/reference/index.js";
import type { BrokenProvider } from "../support/define-broken.js";
import { localFactory } from "../support/local-base.js";
import { wrapProvider } from "../support/wrap-provider.js";

const reference = () => new ReferenceProvider();
const local = localFactory();

/** A reference provider whose setup step is replaced (the bug lives in how `runtime.command` runs). */
function settingUp(
  setUp: (provider: ReferenceProvider, sandbox: ReferenceSandbox, signal: AbortSignal | undefined) => Promise<void>,
) {
  return () =>
    new (class extends ReferenceProvider {
      protected override setUp(sandbox: ReferenceSandbox, signal?: AbortSignal): Promise<void> {
        return sandbox.spec.runtime?.command ? setUp(this, sandbox, signal) : Promise.resolve();
      }
    })();
}

/** The runtime section: entrypoint, setup command, env, workdir and the default image. */
export const RUNTIME_BUGS: readonly BrokenProvider[] = [
  {
    bug: "inspect drops the exit code of the sandbox's entrypoint",
    base: "local",
    fails: ["sandbox.command.exit"],
    create: () =>
      wrapProvider(local(), (inner) => ({
        inspect: async (id) => {
          const { exitCode: _dropped, ...info } = await inner.inspect(id);
          return info;
        },
      })),
  },
  {
    bug: "the setup command runs before the spec's env is applied",
    base: "reference",
    fails: ["sandbox.setup-command.runs"],
    create: settingUp((provider, sandbox, signal) =>
      runSetupCommand({
        provider: provider.name,
        externalId: sandbox.id,
        command: [
          "env",
          ...Object.keys(sandbox.spec.runtime?.env ?? {}).flatMap((name) => ["-u", name]),
          ...(sandbox.spec.runtime?.command ?? []),
        ],
        exec: (argv, options) => provider.exec(sandbox.id, argv, options),
        destroy: () => provider.destroy(sandbox.id),
        signal,
      }),
    ),
  },
  {
    bug: "a failing setup command is reported without the tail of its output",
    base: "reference",
    fails: ["sandbox.setup-command.fails"],
    create: settingUp(async (provider, sandbox, signal) => {
      try {
        await runSetupCommand({
          provider: provider.name,
          externalId: sandbox.id,
          command: sandbox.spec.runtime?.command ?? [],
          exec: (argv, options) => provider.exec(sandbox.id, argv, options),
          destroy: () => provider.destroy(sandbox.id),
          signal,
        });
      } catch (error) {
        if (!(error instanceof SetupCommandError)) throw error;
        throw new SetupCommandError(error.exitCode, `setup command exited ${error.exitCode}`, {
          provider: "reference",
        });
      }
    }),
  },
  {
    bug: "a failing setup command fails provision but leaves the sandbox running",
    base: "reference",
    fails: ["sandbox.setup-command.fails", "cleanup.no-leaks"],
    also: ["cleanup.no-leaks"],
    create: settingUp((provider, sandbox, signal) =>
      runSetupCommand({
        provider: provider.name,
        externalId: sandbox.id,
        command: sandbox.spec.runtime?.command ?? [],
        exec: (argv, options) => provider.exec(sandbox.id, argv, options),
        destroy: async () => undefined,
        signal,
      }),
    ),
  },
  {
    bug: "runtime.workdir is used only when it already exists",
    base: "reference",
    fails: ["sandbox.runtime.env-workdir"],
    create: () =>
      wrapProvider(reference(), (inner) => ({
        provision: async (spec, options) => {
          const workdir = spec.runtime?.workdir;
          if (workdir === undefined || (await stat(workdir).catch(() => undefined))?.isDirectory()) {
            return inner.provision(spec, options);
          }
          const { workdir: _dropped, ...runtime } = spec.runtime ?? {};
          return inner.provision({ ...spec, runtime }, options);
        },
      })),
  },
  {
    bug: 'constraints.defaultImage names "debian:bookworm-slim", an image the provider refuses when named',
    base: "reference",
    fails: ["sandbox.runtime.default-image"],
    create: () =>
      wrapProvider(reference(), (inner) => ({
        capabilities: {
          ...inner.capabilities,
          constraints: { ...inner.capabilities.constraints, defaultImage: "debian:bookworm-slim" },
        },
      })),
  },
];
