import { Readable } from "node:stream";
import { AuthenticationError, isRegisteredSecret, registerSecret, UnavailableError } from "@openlattice/core";
import type { CredentialSource, RegistryCredentials } from "./docker-config.js";
import { type HttpDeadlines, readLimited, registryFetch } from "./http.js";
import type { AuthChallenge } from "./www-authenticate.js";

/** What a registry asks for, remembered from its `/v2/` answer. */
export interface AuthState {
  /** `https://host` or `http://host`. */
  readonly base: string;
  /** The registry host credentials are looked up for (a mirror's own host for a mirror). */
  readonly credentialKey: string;
  challenge: AuthChallenge | undefined;
}

const TOKEN_BYTES_LIMIT = 1 << 20;
/** Tokens without `expires_in` live 60 s by the spec; renew a little early. */
const DEFAULT_TOKEN_SECONDS = 60;
const EARLY_RENEWAL_MS = 10_000;

/**
 * The two schemes registries use: Basic (htpasswd registries) and the Docker token flow
 * (`Bearer realm=…,service=…`: a token for `repository:<name>:pull` from the realm, asked for
 * with the user's Basic credentials or an OAuth2 refresh token). Tokens are cached per registry
 * and scope until shortly before they expire; they live in memory only and are registered as
 * secrets, so no error message can show one.
 */
export class RegistryAuth {
  private readonly tokens = new Map<string, { value: string; expiresAt: number }>();

  constructor(
    private readonly credentials: CredentialSource,
    private readonly deadlines: HttpDeadlines,
    private readonly mayUsePlainHttp: (host: string) => boolean,
  ) {}

  /** The `Authorization` header for a pull of `repository`, or undefined for an open registry. */
  async header(state: AuthState, repository: string, signal: AbortSignal | undefined, fresh = false) {
    const challenge = state.challenge;
    if (!challenge) return undefined;
    const credentials = await this.credentials(state.credentialKey);
    if (challenge.scheme === "basic") {
      if (!credentials) return undefined;
      return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString("base64")}`;
    }
    if (challenge.scheme !== "bearer") {
      throw new AuthenticationError(
        `registry ${state.credentialKey} asks for ${challenge.scheme} authentication, which is not supported (Basic and Bearer are)`,
        { provider: "local" },
      );
    }
    // The scope is the repository's, as the Docker client asks: a challenge's own scope names
    // whichever repository last answered 401, not necessarily this one.
    const scope = `repository:${repository}:pull`;
    const key = `${state.base}\n${challenge.params.service ?? ""}\n${scope}`;
    const cached = this.tokens.get(key);
    if (!fresh && cached && cached.expiresAt > Date.now()) return `Bearer ${cached.value}`;
    const token = await this.fetchToken(state, challenge, scope, credentials, signal);
    this.tokens.set(key, token);
    return `Bearer ${token.value}`;
  }

  private async fetchToken(
    state: AuthState,
    challenge: AuthChallenge,
    scope: string,
    credentials: RegistryCredentials | undefined,
    signal: AbortSignal | undefined,
  ): Promise<{ value: string; expiresAt: number }> {
    const realm = challenge.params.realm;
    if (!realm) {
      throw new AuthenticationError(`registry ${state.credentialKey} sent a Bearer challenge without a realm`, {
        provider: "local",
      });
    }
    const url = new URL(realm);
    if (url.protocol !== "https:" && !(url.protocol === "http:" && this.mayUsePlainHttp(url.host))) {
      throw new AuthenticationError(
        `registry ${state.credentialKey} wants credentials sent to ${url.origin} without TLS; refused (list the host in insecureRegistries to allow it)`,
        { provider: "local" },
      );
    }
    if (challenge.params.service) url.searchParams.set("service", challenge.params.service);
    url.searchParams.set("scope", scope);
    const headers: Record<string, string> = { accept: "application/json" };
    if (credentials && !credentials.identityToken) {
      headers.authorization = `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString("base64")}`;
    }
    // Docker's OAuth2 path for identity tokens: a refresh-token grant posted to the realm.
    const response = credentials?.identityToken
      ? await postRefreshToken(url, credentials.identityToken, this.deadlines, signal)
      : await registryFetch(url.toString(), { headers, signal }, this.deadlines);
    if (response.status === 401 || response.status === 403) {
      response.discard();
      throw new AuthenticationError(
        credentials
          ? `registry ${state.credentialKey} rejected the credentials${credentials.username ? ` of user ${JSON.stringify(credentials.username)}` : ""} (HTTP ${response.status}); check them with docker login`
          : `registry ${state.credentialKey} refused an anonymous token (HTTP ${response.status}); log in with docker login`,
        { provider: "local", details: { registry: state.credentialKey } },
      );
    }
    if (response.status !== 200) {
      response.discard();
      throw new UnavailableError(`token service of ${state.credentialKey} answered HTTP ${response.status}`, {
        provider: "local",
        retryable: response.status >= 500 || response.status === 429,
      });
    }
    const body = JSON.parse((await readLimited(response, TOKEN_BYTES_LIMIT, "token response")).toString("utf8")) as {
      token?: string;
      access_token?: string;
      expires_in?: number;
    };
    const value = body.token || body.access_token;
    if (!value) {
      throw new AuthenticationError(`token service of ${state.credentialKey} returned no token`, { provider: "local" });
    }
    if (!isRegisteredSecret(value)) registerSecret(value);
    const seconds =
      typeof body.expires_in === "number" && body.expires_in > 0 ? body.expires_in : DEFAULT_TOKEN_SECONDS;
    return { value, expiresAt: Date.now() + Math.max(seconds * 1000 - EARLY_RENEWAL_MS, 1000) };
  }
}

async function postRefreshToken(url: URL, refreshToken: string, deadlines: HttpDeadlines, signal?: AbortSignal) {
  const form = new URLSearchParams({
    grant_type: "refresh_token",
    refresh_token: refreshToken,
    service: url.searchParams.get("service") ?? "",
    scope: url.searchParams.get("scope") ?? "",
    client_id: "openlattice",
  });
  const target = new URL(url.toString());
  target.search = "";
  const response = await fetch(target, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: form,
    signal: AbortSignal.any([...(signal ? [signal] : []), AbortSignal.timeout(deadlines.requestTimeoutMs)]),
  }).catch((error: unknown) => {
    if (signal?.aborted) throw signal.reason;
    throw new UnavailableError(`token service ${target.host} is not answering`, { provider: "local", cause: error });
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    url: target.toString(),
    body: Readable.from([Buffer.from(text)]),
    discard: () => {},
  };
}
