import { InvalidArgumentError } from "@openlattice/core";

/**
 * GPU types Modal accepts for sandboxes (modal.com/docs/guide/gpu). `H100!` pins an H100 (no
 * automatic upgrade to H200); `B200+` allows an upgrade to B300 at B200 pricing.
 */
export const MODAL_GPU_TYPES = [
  "T4",
  "L4",
  "A10",
  "L40S",
  "A100",
  "A100-40GB",
  "A100-80GB",
  "RTX-PRO-6000",
  "H100",
  "H100!",
  "H200",
  "B200",
  "B200+",
] as const;

export type ModalGpuType = (typeof MODAL_GPU_TYPES)[number];

/** GPU type used when `spec.gpu.type` is absent. */
export const DEFAULT_GPU_TYPE: ModalGpuType = "T4";

/** Most GPUs of one type per sandbox; A10 allows fewer. */
export const MAX_GPU_COUNT = 8;
const MAX_COUNT_BY_TYPE: Partial<Record<string, number>> = { A10: 4 };

/** Upper-cases a GPU type the way the SDK does (`"h100"` → `"H100"`). */
export function normalizeGpuType(type: string): string {
  return type.toUpperCase();
}

/** Throws `invalid_argument` for an unknown type or a count Modal does not offer for it. */
export function validateGpu(type: string, count: number, field = "gpu", provider = "modal"): void {
  if (!(MODAL_GPU_TYPES as readonly string[]).includes(type)) {
    throw new InvalidArgumentError(
      `${field}.type`,
      `unknown GPU type ${JSON.stringify(type)}; Modal offers ${MODAL_GPU_TYPES.join(", ")}`,
      { provider },
    );
  }
  const max = MAX_COUNT_BY_TYPE[type.replace(/[!+]$/, "")] ?? MAX_GPU_COUNT;
  if (!Number.isInteger(count) || count < 1 || count > max) {
    throw new InvalidArgumentError(`${field}.count`, `must be an integer from 1 to ${max} for ${type}`, { provider });
  }
}

/** The SDK's `gpu` string: `"TYPE"` for one GPU, `"TYPE:N"` for more. */
export function toModalGpuString(type: string, count: number): string {
  return count === 1 ? type : `${type}:${count}`;
}
