import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { isRegisteredSecret, registerSecret } from "@openlattice/core";

/** Credentials for one registry. Kept in memory only, never logged or written. */
export interface RegistryCredentials {
  readonly username: string;
  readonly password: string;
  /** An OAuth2 refresh token (`identitytoken` in Docker's config), used instead of the password. */
  readonly identityToken?: string | undefined;
}

/** Looks up credentials for a registry host (`ghcr.io`, `localhost:5000`, `docker.io`). */
export type CredentialSource = (registry: string) => Promise<RegistryCredentials | undefined>;

/** Where `dockerConfigCredentials` looks. */
export interface DockerConfigOptions {
  /** Directory holding `config.json`; default `$DOCKER_CONFIG`, else `~/.docker`. */
  readonly configDir?: string | undefined;
  /** Also read this containers-style `auth.json` (default `$REGISTRY_AUTH_FILE`). */
  readonly authFile?: string | undefined;
}

interface DockerConfigFile {
  auths?: Record<string, { auth?: string; username?: string; password?: string; identitytoken?: string }>;
  credHelpers?: Record<string, string>;
  credsStore?: string;
}

const HUB_KEY = "https://index.docker.io/v1/";
const HUB_ALIASES = new Set(["docker.io", "index.docker.io", "registry-1.docker.io", "registry.hub.docker.com"]);

/**
 * Credentials as the Docker CLI finds them: a credential helper named for the registry in
 * `credHelpers`, else the `credsStore` helper, else an `auths` entry (base64 `user:password` in
 * `auth`, or `username`/`password`, or an `identitytoken`). Files are read on every lookup, so a
 * `docker login` takes effect at once. Helpers (`docker-credential-<name> get`) get the server
 * on stdin and a minimal environment; the secret comes back on stdout only.
 */
export function dockerConfigCredentials(options: DockerConfigOptions = {}): CredentialSource {
  return async (registry) => {
    const configDir = options.configDir ?? process.env.DOCKER_CONFIG ?? path.join(os.homedir(), ".docker");
    const files = [path.join(configDir, "config.json"), options.authFile ?? process.env.REGISTRY_AUTH_FILE].filter(
      (file): file is string => typeof file === "string" && file.length > 0,
    );
    for (const file of files) {
      const config = await readConfig(file);
      if (!config) continue;
      const found = await fromConfig(config, registry);
      if (found) return found;
    }
    return undefined;
  };
}

async function readConfig(file: string): Promise<DockerConfigFile | undefined> {
  try {
    return JSON.parse(await readFile(file, "utf8")) as DockerConfigFile;
  } catch {
    // A missing or unreadable config means anonymous pulls, as with the Docker CLI.
    return undefined;
  }
}

async function fromConfig(config: DockerConfigFile, registry: string): Promise<RegistryCredentials | undefined> {
  const helper = config.credHelpers?.[registry] ?? (isHub(registry) ? config.credHelpers?.[HUB_KEY] : undefined);
  if (helper) return runHelper(helper, registry);
  if (config.credsStore) {
    const stored = await runHelper(config.credsStore, registry);
    if (stored) return stored;
  }
  for (const [key, entry] of Object.entries(config.auths ?? {})) {
    if (!sameRegistry(key, registry)) continue;
    let username = entry.username ?? "";
    let password = entry.password ?? "";
    if (entry.auth) {
      const decoded = Buffer.from(entry.auth, "base64").toString("utf8");
      const colon = decoded.indexOf(":");
      if (colon > 0) {
        username = decoded.slice(0, colon);
        password = decoded.slice(colon + 1);
      }
    }
    const identityToken = entry.identitytoken || undefined;
    if (!username && !identityToken) continue;
    return remember({ username, password, identityToken });
  }
  return undefined;
}

/** The server string helpers and `auths` keys use: Hub's legacy URL, else the host. */
function serverKey(registry: string): string {
  return isHub(registry) ? HUB_KEY : registry;
}

function isHub(registry: string): boolean {
  return HUB_ALIASES.has(registry) || registry === HUB_KEY;
}

/** `auths` keys may be URLs (`https://ghcr.io/v1/`) or bare hosts. */
function sameRegistry(key: string, registry: string): boolean {
  const host = key.replace(/^[a-z]+:\/\//i, "").replace(/\/.*$/, "");
  if (isHub(registry)) return isHub(host) || key === HUB_KEY;
  return host === registry;
}

function runHelper(name: string, registry: string): Promise<RegistryCredentials | undefined> {
  if (!/^[A-Za-z0-9._-]+$/.test(name)) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    const child = execFile(
      `docker-credential-${name}`,
      ["get"],
      { env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: os.homedir() }, timeout: 30_000, maxBuffer: 1 << 20 },
      (error, stdout) => {
        // "credentials not found" exits non-zero: anonymous, as with the Docker CLI.
        if (error) return resolve(undefined);
        try {
          const parsed = JSON.parse(stdout) as { Username?: string; Secret?: string };
          if (!parsed.Secret) return resolve(undefined);
          if (parsed.Username === "<token>") {
            return resolve(remember({ username: "", password: "", identityToken: parsed.Secret }));
          }
          resolve(remember({ username: parsed.Username ?? "", password: parsed.Secret }));
        } catch {
          resolve(undefined);
        }
      },
    );
    child.stdin?.end(serverKey(registry));
  });
}

/** Registers the secret parts with core's redaction, so no error message can ever carry them. */
function remember(credentials: RegistryCredentials): RegistryCredentials {
  for (const secret of [credentials.password, credentials.identityToken]) {
    if (secret && !isRegisteredSecret(secret)) registerSecret(secret);
  }
  return credentials;
}
