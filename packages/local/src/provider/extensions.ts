import type { Capabilities, Extensions } from "@openlattice/core";
import type { LocalSandbox } from "../sandbox/local-sandbox.js";

/** The extension `name` of a live sandbox, when the provider lists it in its capabilities. */
export function extensionOf(
  sandbox: LocalSandbox,
  name: string,
  capabilities: Capabilities,
): Extensions[keyof Extensions] | undefined {
  if (!(capabilities.extensions as readonly string[]).includes(name)) return undefined;
  switch (name) {
    case "files":
      return sandbox.filesExtension();
    case "network":
      return { getUrl: (port: number) => sandbox.getUrl(port) };
    case "metrics":
      return {
        sample: async () => ({ timestamp: new Date(), cpuSeconds: 0, memoryBytes: 0, ...(await sandbox.sample()) }),
      };
    case "lifecycle":
      return { pause: () => sandbox.pause(), resume: () => sandbox.resume() };
    default:
      return undefined;
  }
}
