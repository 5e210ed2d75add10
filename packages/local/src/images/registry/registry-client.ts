import { createHash } from "node:crypto";
import {
  AuthenticationError,
  InternalError,
  NotFoundError,
  RateLimitedError,
  type SandboxError,
  UnavailableError,
} from "@openlattice/core";
import { MANIFEST_ACCEPT } from "../oci-schemas.js";
import type { CredentialSource } from "./docker-config.js";
import { type HttpDeadlines, type RegistryResponse, readLimited, registryFetch } from "./http.js";
import { type AuthState, RegistryAuth } from "./registry-auth.js";
import { parseWwwAuthenticate } from "./www-authenticate.js";

/** Options of a `RegistryClient`. */
export interface RegistryClientOptions {
  readonly credentials: CredentialSource;
  /** Hosts (`host:port`) that may be spoken to over plain HTTP; loopback hosts always may. */
  readonly insecureRegistries?: readonly string[] | undefined;
  /** Pull-through mirrors per registry, tried in order before it: `{ "docker.io": ["mirror.example:5000"] }`. */
  readonly mirrors?: Readonly<Record<string, readonly string[]>> | undefined;
  readonly deadlines?: Partial<HttpDeadlines> | undefined;
}

/** One place an image can be pulled from: the registry itself or one of its mirrors. */
export interface Endpoint {
  /** `host[:port]` to connect to (`registry-1.docker.io` for Docker Hub). */
  readonly host: string;
  /** A scheme the operator wrote (`http://mirror:5000`); otherwise https, falling back to http where allowed. */
  readonly scheme: "http" | "https" | undefined;
  readonly mirror: boolean;
}

/** A manifest or index as the registry served it. */
export interface FetchedManifest {
  readonly bytes: Buffer;
  readonly mediaType: string | undefined;
  readonly digest: string;
}

const MANIFEST_BYTES_LIMIT = 4 << 20;
const DEFAULT_DEADLINES: HttpDeadlines = { requestTimeoutMs: 30_000, idleTimeoutMs: 30_000 };

/**
 * A client of the OCI distribution API (the subset a pull needs: `/v2/`, manifests, blobs),
 * written on Node's `fetch`. Each endpoint is probed once with `GET /v2/`, which tells the
 * scheme that works and the authentication the registry wants; that answer is cached for the
 * client's life (a failed probe is not). Statuses map to typed errors: 404 `not_found`, 401/403
 * `authentication`, 429 `rate_limited`, 5xx and network failures `unavailable` (retryable).
 */
export class RegistryClient {
  readonly deadlines: HttpDeadlines;
  private readonly auth: RegistryAuth;
  private readonly probes = new Map<string, Promise<AuthState>>();
  private readonly insecure: Set<string>;

  constructor(private readonly options: RegistryClientOptions) {
    this.deadlines = {
      requestTimeoutMs: options.deadlines?.requestTimeoutMs ?? DEFAULT_DEADLINES.requestTimeoutMs,
      idleTimeoutMs: options.deadlines?.idleTimeoutMs ?? DEFAULT_DEADLINES.idleTimeoutMs,
    };
    this.insecure = new Set(options.insecureRegistries ?? []);
    this.auth = new RegistryAuth(options.credentials, this.deadlines, (host) => this.mayUsePlainHttp(host));
  }

  /** The endpoints to try for `registry`, mirrors first. */
  endpoints(registry: string): Endpoint[] {
    const mirrors = (this.options.mirrors?.[registry] ?? []).map((text) => parseEndpoint(text, true));
    const upstream = registry === "docker.io" ? "registry-1.docker.io" : registry;
    return [...mirrors, { host: upstream, scheme: undefined, mirror: false }];
  }

  /** Fetches a manifest or index by tag or digest, verifying a requested digest. */
  async manifest(
    endpoint: Endpoint,
    repository: string,
    reference: string,
    signal: AbortSignal | undefined,
  ): Promise<FetchedManifest> {
    const what = `${endpoint.host}/${repository}:${reference}`;
    const response = await this.send(endpoint, repository, `manifests/${reference}`, MANIFEST_ACCEPT, signal, what);
    const bytes = await readLimited(response, MANIFEST_BYTES_LIMIT, `manifest ${what}`);
    const digest = `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
    if (reference.startsWith("sha256:") && digest !== reference) {
      throw new InternalError(`${what}: the registry served a manifest whose digest is ${digest}`, {
        provider: "local",
      });
    }
    const mediaType = response.headers.get("content-type")?.split(";")[0]?.trim() || undefined;
    return { bytes, mediaType, digest };
  }

  /** Starts a blob download; the caller verifies the digest while streaming the body. */
  async blob(
    endpoint: Endpoint,
    repository: string,
    digest: string,
    signal: AbortSignal | undefined,
  ): Promise<RegistryResponse> {
    const what = `${endpoint.host}/${repository}@${digest}`;
    return this.send(endpoint, repository, `blobs/${digest}`, "*/*", signal, what);
  }

  private async send(
    endpoint: Endpoint,
    repository: string,
    path: string,
    accept: string,
    signal: AbortSignal | undefined,
    what: string,
  ): Promise<RegistryResponse> {
    const state = await this.probe(endpoint, signal);
    const url = `${state.base}/v2/${repository}/${path}`;
    const request = async (fresh: boolean) => {
      const authorization = await this.auth.header(state, repository, signal, fresh);
      const headers: Record<string, string> = { accept };
      if (authorization) headers.authorization = authorization;
      return registryFetch(url, { headers, signal }, this.deadlines);
    };
    let response = await request(false);
    if (response.status === 401) {
      // A stale token, or a registry that only now asks: take its challenge and try once more.
      const challenge = parseWwwAuthenticate(response.headers.get("www-authenticate"))[0];
      response.discard();
      if (challenge) state.challenge = challenge;
      response = await request(true);
    }
    if (response.status >= 200 && response.status < 300) return response;
    throw await statusError(response, what, state.credentialKey, await this.options.credentials(state.credentialKey));
  }

  private probe(endpoint: Endpoint, signal: AbortSignal | undefined): Promise<AuthState> {
    let probe = this.probes.get(endpoint.host);
    if (!probe) {
      probe = this.probeSchemes(endpoint, signal);
      this.probes.set(endpoint.host, probe);
      probe.catch(() => this.probes.delete(endpoint.host));
    }
    return probe;
  }

  private async probeSchemes(endpoint: Endpoint, signal: AbortSignal | undefined): Promise<AuthState> {
    const schemes = endpoint.scheme
      ? [endpoint.scheme]
      : this.mayUsePlainHttp(endpoint.host)
        ? (["https", "http"] as const)
        : (["https"] as const);
    let failure: unknown;
    for (const scheme of schemes) {
      const base = `${scheme}://${endpoint.host}`;
      try {
        const response = await registryFetch(`${base}/v2/`, { signal }, this.deadlines);
        response.discard();
        if (response.status !== 200 && response.status !== 401) {
          throw new UnavailableError(`${endpoint.host} answered /v2/ with HTTP ${response.status}: not a registry?`, {
            provider: "local",
            retryable: response.status >= 500,
          });
        }
        const challenge = parseWwwAuthenticate(response.headers.get("www-authenticate"))[0];
        return { base, credentialKey: credentialKey(endpoint), challenge };
      } catch (error) {
        if (signal?.aborted) throw signal.reason;
        failure = error;
      }
    }
    throw failure;
  }

  private mayUsePlainHttp(host: string): boolean {
    return isLoopbackHost(host) || this.insecure.has(host);
  }
}

/** True for `localhost`, `127.x.x.x` and `[::1]`, with or without a port. */
export function isLoopbackHost(host: string): boolean {
  const name = host.startsWith("[") ? host.slice(1, host.indexOf("]")) : host.replace(/:\d+$/, "");
  return name === "localhost" || name === "::1" || /^127(?:\.\d{1,3}){3}$/.test(name);
}

function parseEndpoint(text: string, mirror: boolean): Endpoint {
  const match = /^(https?):\/\/([^/]+)\/?$/.exec(text);
  if (match) return { host: match[2] as string, scheme: match[1] as "http" | "https", mirror };
  return { host: text.replace(/\/+$/, ""), scheme: undefined, mirror };
}

function credentialKey(endpoint: Endpoint): string {
  return endpoint.host === "registry-1.docker.io" ? "docker.io" : endpoint.host;
}

async function statusError(
  response: RegistryResponse,
  what: string,
  registry: string,
  credentials: unknown,
): Promise<SandboxError> {
  let codes = "";
  try {
    const body = JSON.parse((await readLimited(response, 64 * 1024, "error body")).toString("utf8")) as {
      errors?: { code?: string; message?: string }[];
    };
    codes = (body.errors ?? []).map((entry) => [entry.code, entry.message].filter(Boolean).join(": ")).join("; ");
  } catch {
    response.discard();
  }
  const detail = `HTTP ${response.status}${codes ? `, ${codes}` : ""}`;
  const options = { provider: "local", details: { registry, status: response.status } };
  if (response.status === 404) return new NotFoundError(`${what} not found (${detail})`, options);
  if (response.status === 401 || response.status === 403) {
    const hint = credentials
      ? "the registry rejected the credentials from your Docker config, or they lack pull access"
      : "the repository does not exist or needs credentials (docker login)";
    return new AuthenticationError(`${what}: access denied (${detail}); ${hint}`, options);
  }
  if (response.status === 429) {
    const retryAfter = Number(response.headers.get("retry-after"));
    return new RateLimitedError(`${what}: the registry is rate limiting (${detail})`, {
      ...options,
      retryAfterMs: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : undefined,
    });
  }
  if (response.status >= 500) return new UnavailableError(`${what}: registry error (${detail})`, options);
  return new InternalError(`${what}: unexpected answer (${detail})`, options);
}
