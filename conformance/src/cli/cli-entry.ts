/**
 * The test file the CLI hands to vitest: it loads the provider module named by the CLI and
 * registers the suite for it. vitest transforms the module, so TypeScript providers work.
 */
import { basename } from "node:path";
import type { Provider } from "@openlattice/core";
import { describeProvider } from "../suite/describe-provider.js";
import type { SuiteOptions } from "../suite/suite-options.js";
import { CONFIG_ENV, MODULE_ENV } from "./cli-entry-env.js";

const modulePath = process.env[MODULE_ENV];
if (!modulePath) throw new Error(`${MODULE_ENV} is not set; run this file through the openlattice-conformance CLI`);
const config = JSON.parse(process.env[CONFIG_ENV] ?? "{}") as { name?: string; options?: SuiteOptions };
const loaded = (await import(/* @vite-ignore */ modulePath)) as { default?: unknown; createProvider?: unknown };
const factory = [loaded.default, loaded.createProvider].find((candidate) => typeof candidate === "function") as
  | (() => Provider | Promise<Provider>)
  | undefined;
if (!factory) {
  throw new Error(
    `${modulePath} must export a function that returns a fresh Provider, as its default export or as createProvider (found default: ${typeof loaded.default}, createProvider: ${typeof loaded.createProvider})`,
  );
}
// One instance up front, only for its name: every case still gets its own provider.
const probe = await factory();
const name = config.name ?? (typeof probe?.name === "string" ? probe.name : basename(modulePath));

describeProvider({ name, createProvider: factory, options: config.options ?? {} });
