import { z } from "zod";

/** A reference to a snapshot. It survives `JSON.stringify` and `parseSnapshotRef`. */
export interface SnapshotRef {
  /** Provider that made the snapshot; only that provider can restore it. */
  readonly provider: string;
  /** The provider's id of the snapshot. */
  readonly externalId: string;
  readonly type: "filesystem" | "memory";
  readonly createdAt: Date;
  /** Sandbox the snapshot was taken from. */
  readonly sourceExternalId?: string;
  /** Provider-specific, JSON-safe facts (sizes, image ids). */
  readonly metadata?: Readonly<Record<string, unknown>>;
}

export const SnapshotRefSchema = z.strictObject({
  provider: z.string().min(1, { error: "provider must not be empty" }),
  externalId: z.string().min(1, { error: "externalId must not be empty" }),
  type: z.enum(["filesystem", "memory"], { error: "type must be 'filesystem' or 'memory'" }),
  createdAt: z.union([z.date(), z.iso.datetime({ offset: true })], {
    error: "createdAt must be a Date or an ISO 8601 date-time string",
  }),
  sourceExternalId: z.string().min(1).optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
});
