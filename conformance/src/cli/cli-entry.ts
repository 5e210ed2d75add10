/**
 * The test file the CLI hands to vitest: it loads the provider module named by the CLI and
 * registers the suite for it. vitest transforms the module, so TypeScript providers work.
 */
import { basename } from "node:path";
import { describeProvider } from "../suite/describe-provider.js";
import type { SuiteOptions } from "../suite/suite-options.js";
import { CONFIG_ENV, MODULE_ENV } from "./cli-entry-env.js";
import { loadProvider } from "./load-provider.js";

const modulePath = process.env[MODULE_ENV];
if (!modulePath) throw new Error(`${MODULE_ENV} is not set; run this file through the openlattice-conformance CLI`);
const config = JSON.parse(process.env[CONFIG_ENV] ?? "{}") as { name?: string; options?: SuiteOptions };
const loaded = loadProvider((await import(/* @vite-ignore */ modulePath)) as Record<string, unknown>, modulePath);
// One instance up front, only for its name: every case still gets its own provider (unless shared).
const probe = await loaded.factory();
const name = config.name ?? (typeof probe?.name === "string" && probe.name !== "" ? probe.name : basename(modulePath));

describeProvider({
  name,
  createProvider: loaded.factory,
  options: { ...config.options, ...(loaded.shared && { sharedInstance: true }) },
});
