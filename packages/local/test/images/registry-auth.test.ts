import { chmodSync, createReadStream, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import bcrypt from "bcryptjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dockerConfigCredentials } from "../../src/images/index.js";
import { tempStateDir } from "../helpers.js";
import { startCountingProxy } from "./fixtures/counting-proxy.js";
import { dockerConfigWith, type Registry, skopeoPush, startRegistry, stopAllRegistries } from "./fixtures/registry.js";
import { freshStore } from "./fixtures/setup.js";
import { writeTestImages } from "./fixtures/test-images.js";
import { startTokenServer, type TokenServer } from "./fixtures/token-server.js";

const USER = "ol-tester";
const PASSWORD = "correct-horse-battery-staple";

let tokens: TokenServer;
let registry: Registry;
let basic: Registry;
let reference: string;
beforeAll(async () => {
  tokens = await startTokenServer(USER, PASSWORD);
  registry = await startRegistry({ token: tokens });
  const layoutDir = path.join(tempStateDir("ol-layout-"), "layout");
  const images = await writeTestImages(layoutDir, { outsideDir: "/nonexistent", marker: "unused" });
  const authFile = path.join(dockerConfigWith(registry.host, USER, PASSWORD), "config.json");
  await skopeoPush(`oci:${images.layout}:base`, `${registry.host}/private/base:1`, { authFile });
  reference = `${registry.host}/private/base:1`;
  // A second registry with Basic auth (htpasswd), as small private registries run.
  const htpasswd = path.join(layoutDir, "..", "htpasswd");
  writeFileSync(htpasswd, `${USER}:${bcrypt.hashSync(PASSWORD, 4)}\n`);
  basic = await startRegistry({ htpasswd });
  await skopeoPush(`oci:${images.layout}:base`, `${basic.host}/private/base:1`, {
    authFile: path.join(dockerConfigWith(basic.host, USER, PASSWORD), "config.json"),
  });
}, 60_000);
afterAll(async () => {
  await stopAllRegistries();
  await tokens?.close();
});

describe("registry authentication (distribution registry with Bearer token auth)", () => {
  it("pulls with the credentials of the user's Docker config (auths, base64 user:password)", async () => {
    const configDir = dockerConfigWith(registry.host, USER, PASSWORD);
    const before = tokens.stats.requests;
    const image = await freshStore({ credentials: dockerConfigCredentials({ configDir }) }).resolve(reference);
    expect(image.kind).toBe("image");
    expect(image.config.cmd).toEqual(["/bin/sh", "-c", "echo hi"]);
    // One token for the pull scope, reused for the manifest, the config and the layer.
    expect(tokens.stats.requests - before).toBe(1);
  });

  it("fails authentication, not retryable, on a wrong password, and never shows the password", async () => {
    const configDir = dockerConfigWith(registry.host, USER, "wrong-password-123");
    const store = freshStore({ credentials: dockerConfigCredentials({ configDir }) });
    const error = await store.resolve(reference).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: "authentication", retryable: false });
    expect((error as Error).message).toContain(USER);
    expect((error as Error).message).toContain(registry.host);
    expect(JSON.stringify(error)).not.toContain("wrong-password-123");
    expect(String((error as Error).stack)).not.toContain("wrong-password-123");
  });

  it("pulls from a Basic-auth (htpasswd) registry, and fails authentication on a wrong password", async () => {
    const good = dockerConfigCredentials({ configDir: dockerConfigWith(basic.host, USER, PASSWORD) });
    expect((await freshStore({ credentials: good }).resolve(`${basic.host}/private/base:1`)).kind).toBe("image");
    const bad = dockerConfigCredentials({ configDir: dockerConfigWith(basic.host, USER, "not-the-password") });
    const error = await freshStore({ credentials: bad })
      .resolve(`${basic.host}/private/base:1`)
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: "authentication", retryable: false });
    expect(JSON.stringify(error)).not.toContain("not-the-password");
  });

  it("never sends the registry's credentials along a redirect to another origin", async () => {
    // A storage server: serves blobs from the registry's disk without auth, noting what it was sent.
    const authorizations: (string | undefined)[] = [];
    const storage = createServer((request, response) => {
      authorizations.push(request.headers.authorization);
      const hex = (request.url ?? "").replace(/^.*sha256:/, "");
      createReadStream(
        path.join(registry.dataDir, "docker/registry/v2/blobs/sha256", hex.slice(0, 2), hex, "data"),
      ).pipe(response);
    });
    await new Promise<void>((resolve) => storage.listen(0, "127.0.0.1", resolve));
    const storageHost = `127.0.0.1:${(storage.address() as AddressInfo).port}`;
    const proxy = await startCountingProxy(registry.host);
    proxy.redirectBlobs = (digest) => `http://${storageHost}/bucket/${digest}`;
    try {
      const configDir = dockerConfigWith(proxy.host, USER, PASSWORD);
      const image = await freshStore({ credentials: dockerConfigCredentials({ configDir }) }).resolve(
        `${proxy.host}/private/base:1`,
      );
      expect(image.kind).toBe("image");
      expect(authorizations.length).toBe(2); // the config and the layer
      expect(authorizations).toEqual([undefined, undefined]);
    } finally {
      await proxy.close();
      await new Promise((resolve) => storage.close(resolve));
    }
  });

  it("fails authentication when no credentials are configured", async () => {
    const configDir = mkdtempSync(path.join(os.tmpdir(), "ol-empty-docker-"));
    await expect(
      freshStore({ credentials: dockerConfigCredentials({ configDir }) }).resolve(reference),
    ).rejects.toMatchObject({ code: "authentication", message: expect.stringContaining("docker login") });
  });

  it("asks a credential helper named in credHelpers, passing the server on stdin only", async () => {
    const bin = mkdtempSync(path.join(os.tmpdir(), "ol-cred-helper-"));
    const seen = path.join(bin, "seen");
    const helper = path.join(bin, "docker-credential-oltest");
    writeFileSync(
      helper,
      `#!/bin/sh\n[ "$1" = get ] || exit 1\nread server\necho "$server" > ${seen}\nprintf '{"ServerURL":"%s","Username":"${USER}","Secret":"${PASSWORD}"}' "$server"\n`,
    );
    chmodSync(helper, 0o755);
    const configDir = mkdtempSync(path.join(os.tmpdir(), "ol-helper-docker-"));
    writeFileSync(path.join(configDir, "config.json"), JSON.stringify({ credHelpers: { [registry.host]: "oltest" } }));
    const savedPath = process.env.PATH;
    process.env.PATH = `${bin}:${savedPath}`;
    try {
      const store = freshStore({ credentials: dockerConfigCredentials({ configDir }) });
      expect((await store.resolve(reference)).kind).toBe("image");
    } finally {
      process.env.PATH = savedPath;
    }
    expect(readFileSync(seen, "utf8").trim()).toBe(registry.host);
  });
});
