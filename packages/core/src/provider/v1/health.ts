/** Result of `healthCheck`, which never throws. */
export interface HealthReport {
  readonly healthy: boolean;
  /** Time the check took, in milliseconds. */
  readonly latencyMs: number;
  /** Why the provider is unhealthy or degraded, in words. */
  readonly message?: string;
  readonly details?: Readonly<Record<string, unknown>>;
}
