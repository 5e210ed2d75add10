import { CapacityError } from "@openlattice/core";
import type { HostIdAllocator } from "../host/host-ids.js";

/** Leases the sandbox's own host uid (root, namespace tier); `capacity` when the range is used up. */
export async function leaseHostUid(
  ids: HostIdAllocator,
  id: string,
  workspace: string,
  provider: string,
): Promise<number> {
  return ids.acquire(id, workspace).catch((error: unknown) => {
    throw new CapacityError(`no free host uid for the sandbox: ${(error as Error).message}`, {
      provider,
      cause: error,
    });
  });
}
