/**
 * Loads the gRPC service definitions of the installed `modal` SDK, so that the emulator encodes
 * and decodes messages with exactly the codecs the client uses.
 *
 * modal@0.11.1 keeps `ModalClientDefinition` and `TaskCommandRouterDefinition` module-private
 * (top-level `var`s of its bundle). We evaluate the SDK's own CommonJS bundle once more in a
 * function scope with one line appended that hands those two variables out. Nothing is written
 * to disk and the SDK's files are not modified. If a future SDK renames or drops them, this
 * throws at once with the reason, instead of serving a protocol that silently drifted.
 */
import { readFileSync } from "node:fs";
import Module, { createRequire } from "node:module";
import path from "node:path";
import vm from "node:vm";

/** The shape nice-grpc accepts for a ts-proto service definition. */
export interface ServiceDefinitionLike {
  readonly name: string;
  readonly fullName: string;
  readonly methods: Readonly<
    Record<string, { readonly name: string; readonly requestStream: boolean; readonly responseStream: boolean }>
  >;
}

export interface ModalDefinitions {
  /** `modal.client.ModalClient`: the control plane. */
  readonly control: ServiceDefinitionLike;
  /** `modal.task_command_router.TaskCommandRouter`: exec, stdio, files and snapshots. */
  readonly router: ServiceDefinitionLike;
  /** The file the definitions were read from. */
  readonly source: string;
  /** The `version` field of the SDK's package.json. */
  readonly sdkVersion: string;
}

const EXPECTED = {
  control: { variable: "ModalClientDefinition", fullName: "modal.client.ModalClient" },
  router: { variable: "TaskCommandRouterDefinition", fullName: "modal.task_command_router.TaskCommandRouter" },
} as const;

/** Thrown when the installed SDK does not contain the definitions the emulator needs. */
export class ModalDefinitionsNotFoundError extends Error {
  constructor(message: string) {
    super(`@openlattice/modal emulator: ${message}`);
    this.name = "ModalDefinitionsNotFoundError";
  }
}

let cached: ModalDefinitions | undefined;

/** Returns the SDK's definitions, loading them on first use (about 0.1-0.3 s). */
export function loadModalDefinitions(): ModalDefinitions {
  cached ??= load();
  return cached;
}

function load(): ModalDefinitions {
  // `createRequire` needs an absolute anchor; `__filename` exists in the CJS build and
  // `import.meta.url` in ESM (tsup's shims provide both).
  const require = createRequire(anchor());
  let bundle: string;
  try {
    bundle = require.resolve("modal");
  } catch (error) {
    throw new ModalDefinitionsNotFoundError(`cannot resolve the "modal" package: ${String(error)}`);
  }
  return loadModalDefinitionsFrom(bundle);
}

/**
 * Reads the definitions from one CommonJS bundle of the SDK. Exposed for tests and for
 * pointing the emulator at another copy of the SDK; throws `ModalDefinitionsNotFoundError`.
 */
export function loadModalDefinitionsFrom(bundle: string): ModalDefinitions {
  if (!bundle.endsWith(".cjs")) {
    throw new ModalDefinitionsNotFoundError(`expected modal's CommonJS bundle, resolved ${bundle}`);
  }
  const sdkVersion = readSdkVersion(bundle);
  const source = readFileSync(bundle, "utf8");
  const footer = `\n;module.exports.__openlatticeDefinitions = { control: typeof ${EXPECTED.control.variable} === "undefined" ? undefined : ${EXPECTED.control.variable}, router: typeof ${EXPECTED.router.variable} === "undefined" ? undefined : ${EXPECTED.router.variable} };\n`;
  const wrapped = vm.runInThisContext(Module.wrap(source + footer), { filename: bundle }) as (
    ...args: unknown[]
  ) => void;
  const module = { exports: {} as Record<string, unknown> };
  wrapped.call(module.exports, module.exports, createRequire(bundle), module, bundle, path.dirname(bundle));
  const found = module.exports.__openlatticeDefinitions as { control?: unknown; router?: unknown } | undefined;
  const control = check(found?.control, "control", bundle, sdkVersion);
  const router = check(found?.router, "router", bundle, sdkVersion);
  return { control, router, source: bundle, sdkVersion };
}

function check(value: unknown, which: keyof typeof EXPECTED, bundle: string, version: string): ServiceDefinitionLike {
  const expected = EXPECTED[which];
  const definition = value as Partial<ServiceDefinitionLike> | undefined;
  if (!definition || typeof definition.methods !== "object" || definition.fullName !== expected.fullName) {
    throw new ModalDefinitionsNotFoundError(
      `the installed modal SDK (${version}, ${bundle}) has no ${expected.variable} for ${expected.fullName}. ` +
        "The emulator supports modal@0.11.1; a different SDK version changed its bundle layout.",
    );
  }
  return definition as ServiceDefinitionLike;
}

function readSdkVersion(bundle: string): string {
  try {
    const manifest = JSON.parse(readFileSync(path.join(path.dirname(bundle), "..", "package.json"), "utf8"));
    return typeof manifest.version === "string" ? manifest.version : "unknown";
  } catch {
    return "unknown";
  }
}

function anchor(): string {
  return typeof __filename === "string" ? __filename : import.meta.url;
}
