/** Result of `healthCheck`, which never throws. */
export interface HealthReport {
  /** The backend can provision and run sandboxes now. */
  readonly healthy: boolean;
  /** Time the check took, in milliseconds. */
  readonly latencyMs: number;
  /** Why the provider is unhealthy or degraded, in words. */
  readonly message?: string;
  /** Structured, non-secret facts about the check (tier, versions, what is missing). */
  readonly details?: Readonly<Record<string, unknown>>;
}
