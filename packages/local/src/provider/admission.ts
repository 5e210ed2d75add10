import { type Capabilities, CapacityError, UnsupportedError, type ValidProvisionSpec } from "@openlattice/core";
import { checkEnforceable } from "../capabilities.js";
import type { IsolationProbe } from "../host/probe.js";
import type { IsolationTier } from "../options.js";
import { type ImageRef, parseImage } from "../sandbox/images.js";

const PROVIDER = "local";

/**
 * What this provider can honour of a spec core already validated: limits it can enforce, an
 * image its tier can run, GPUs it has. Throws the typed error naming the field; returns the image.
 */
export function admitSpec(
  spec: ValidProvisionSpec,
  tier: IsolationTier,
  capabilities: Capabilities,
  probe: IsolationProbe,
): ImageRef {
  checkEnforceable(spec, probe, PROVIDER);
  const image = parseImage(spec.runtime?.image, PROVIDER);
  if (tier === "none" && image.kind !== "host") {
    throw new UnsupportedError(
      "image",
      `runtime.image: ${image.kind}: images need the namespace tier; this provider runs the none tier (${capabilities.limitations?.isolation ?? ""})`,
      { provider: PROVIDER },
    );
  }
  const maxGpus = capabilities.constraints.maxGpuCount ?? 0;
  if (spec.gpu && spec.gpu.count > maxGpus) {
    throw new CapacityError(`gpu.count ${spec.gpu.count}: this host has ${maxGpus} GPUs`, { provider: PROVIDER });
  }
  return image;
}
