import { describe, expect, it } from "vitest";
import { parseImageReference, resolveImageRoot } from "../../src/images/index.js";
import { selectManifest } from "../../src/images/platform.js";
import { isLoopbackHost } from "../../src/images/registry/registry-client.js";
import { parseWwwAuthenticate } from "../../src/images/registry/www-authenticate.js";

const DIGEST = `sha256:${"a".repeat(64)}`;

describe("parseImageReference", () => {
  it.each([
    ["python:3.12-slim", "docker.io", "library/python", "3.12-slim", undefined],
    ["python", "docker.io", "library/python", "latest", undefined],
    ["docker.io/library/alpine:3.20", "docker.io", "library/alpine", "3.20", undefined],
    ["index.docker.io/library/alpine", "docker.io", "library/alpine", "latest", undefined],
    ["user/app:v1", "docker.io", "user/app", "v1", undefined],
    ["ghcr.io/o/i:tag", "ghcr.io", "o/i", "tag", undefined],
    ["localhost:5000/x:y", "localhost:5000", "x", "y", undefined],
    ["localhost/x", "localhost", "x", "latest", undefined],
    ["127.0.0.1:5000/a/b/c:1.0", "127.0.0.1:5000", "a/b/c", "1.0", undefined],
    ["[::1]:5000/x:y", "[::1]:5000", "x", "y", undefined],
    [`name@${DIGEST}`, "docker.io", "library/name", undefined, DIGEST],
    [`ghcr.io/o/i:tag@${DIGEST}`, "ghcr.io", "o/i", "tag", DIGEST],
  ])("%s", (image, registry, repository, tag, digest) => {
    expect(parseImageReference(image)).toMatchObject({ kind: "registry", registry, repository, tag, digest });
  });

  it("gives the canonical form", () => {
    expect(parseImageReference("python:3.12-slim")).toMatchObject({ canonical: "docker.io/library/python:3.12-slim" });
    expect(parseImageReference(`ghcr.io/o/i@${DIGEST}`)).toMatchObject({ canonical: `ghcr.io/o/i@${DIGEST}` });
  });

  it("reads host, dir:, tar:, oci: and oci-archive:", () => {
    expect(parseImageReference(undefined)).toEqual({ kind: "host" });
    expect(parseImageReference("host")).toEqual({ kind: "host" });
    expect(parseImageReference("dir:/srv/images/x/")).toEqual({ kind: "dir", path: "/srv/images/x" });
    expect(parseImageReference("tar:/srv/a.tar")).toEqual({ kind: "tar", path: "/srv/a.tar" });
    expect(parseImageReference("oci:/srv/layout:3.12")).toEqual({ kind: "oci", path: "/srv/layout", tag: "3.12" });
    expect(parseImageReference("oci:/srv/layout")).toEqual({ kind: "oci", path: "/srv/layout", tag: undefined });
    expect(parseImageReference("oci-archive:/srv/a.tar:v1")).toEqual({
      kind: "oci-archive",
      path: "/srv/a.tar",
      tag: "v1",
    });
  });

  it.each([
    ["Python:3", /lowercase/],
    ["python:bad tag", /whitespace/],
    ["python:-bad", /tag/],
    [`python@sha256:${"a".repeat(10)}`, /not a digest/],
    ["python@", /not a digest/],
    ["a//b", /name component/],
    ["", /expected one of/],
    ["dir:relative/path", /absolute/],
    ["oci:/srv/layout:bad tag!", /tag/],
    [`example.com/${"a".repeat(300)}`, /longer than 255/],
  ])("refuses %j with invalid_argument on runtime.image", (image, message) => {
    expect(() => parseImageReference(image)).toThrow(
      expect.objectContaining({
        code: "invalid_argument",
        field: "runtime.image",
        message: expect.stringMatching(message),
      }),
    );
  });

  it("refuses digests other than sha256 as unsupported", () => {
    expect(() => parseImageReference(`python@sha512:${"b".repeat(128)}`)).toThrow(
      expect.objectContaining({ code: "unsupported" }),
    );
  });
});

describe("resolveImageRoot", () => {
  const real = (links: Record<string, string>) => (p: string) => links[p] ?? p;

  it("accepts a path under a root and returns its resolved form", () => {
    expect(resolveImageRoot("/srv/images/py", ["/srv/images"])).toEqual({
      root: "/srv/images",
      path: "/srv/images/py",
    });
    expect(
      resolveImageRoot("/srv/images/py", ["/srv/images"], {
        realpath: real({ "/srv/images/py": "/srv/images/py-3.12" }),
      }),
    ).toEqual({ root: "/srv/images", path: "/srv/images/py-3.12" });
  });

  it("refuses paths outside the roots, including through symlinks and look-alike prefixes", () => {
    const outside = expect.objectContaining({ code: "invalid_argument", field: "runtime.image" });
    expect(() => resolveImageRoot("/", ["/srv/images"])).toThrow(outside);
    expect(() => resolveImageRoot("/srv/images-evil/x", ["/srv/images"])).toThrow(outside);
    expect(() => resolveImageRoot("/srv/images/../../etc", ["/srv/images"])).toThrow(outside);
    expect(() =>
      resolveImageRoot("/srv/images/evil", ["/srv/images"], { realpath: real({ "/srv/images/evil": "/" }) }),
    ).toThrow(outside);
  });

  it("follows a root that is itself a symlink", () => {
    const realpath = real({ "/srv/images": "/data/images", "/srv/images/py": "/data/images/py" });
    expect(resolveImageRoot("/srv/images/py", ["/srv/images"], { realpath })).toEqual({
      root: "/data/images",
      path: "/data/images/py",
    });
  });

  it("refuses everything when no root is configured, and refuses / as a root", () => {
    expect(() => resolveImageRoot("/srv/images/x", [])).toThrow(/configured no image roots/);
    expect(() => resolveImageRoot("/srv/images/x", ["/"])).toThrow(
      expect.objectContaining({ code: "invalid_argument", field: "imageRoots" }),
    );
    expect(() => resolveImageRoot("/srv/images/x", ["relative"])).toThrow(/absolute/);
  });
});

describe("registry protocol details", () => {
  it("parses WWW-Authenticate challenges", () => {
    expect(
      parseWwwAuthenticate(
        'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/python:pull"',
      ),
    ).toEqual([
      {
        scheme: "bearer",
        params: {
          realm: "https://auth.docker.io/token",
          service: "registry.docker.io",
          scope: "repository:library/python:pull",
        },
      },
    ]);
    expect(parseWwwAuthenticate('Basic realm="Registry Realm"')).toEqual([
      { scheme: "basic", params: { realm: "Registry Realm" } },
    ]);
    expect(parseWwwAuthenticate('Bearer realm="a\\"b", error="insufficient_scope"')[0]?.params).toEqual({
      realm: 'a"b',
      error: "insufficient_scope",
    });
    expect(parseWwwAuthenticate(null)).toEqual([]);
  });

  it("tells loopback hosts (plain HTTP allowed) from others", () => {
    for (const host of ["localhost:5000", "127.0.0.1:5000", "127.1.2.3", "[::1]:5000", "localhost"]) {
      expect(isLoopbackHost(host)).toBe(true);
    }
    for (const host of ["ghcr.io", "10.0.0.1:5000", "localhost.example.com", "128.0.0.1"]) {
      expect(isLoopbackHost(host)).toBe(false);
    }
  });

  it("selects a platform from an index as Docker does", () => {
    const entry = (architecture: string, variant?: string, extra: Record<string, unknown> = {}) => ({
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      digest: `sha256:${architecture
        .padEnd(64, "0")
        .slice(0, 64)
        .replace(/[^a-f0-9]/g, "0")}`,
      size: 1,
      platform: { os: "linux", architecture, ...(variant ? { variant } : {}) },
      ...extra,
    });
    const index = {
      schemaVersion: 2 as const,
      manifests: [
        entry("unknown", undefined, { annotations: { "vnd.docker.reference.type": "attestation-manifest" } }),
        entry("arm", "v6"),
        entry("arm", "v7"),
        entry("arm64", "v8"),
        entry("amd64"),
      ],
    };
    expect(selectManifest(index, { os: "linux", architecture: "amd64" }, "x").platform?.architecture).toBe("amd64");
    expect(selectManifest(index, { os: "linux", architecture: "arm64" }, "x").platform?.variant).toBe("v8");
    expect(selectManifest(index, { os: "linux", architecture: "arm", variant: "v7" }, "x").platform?.variant).toBe(
      "v7",
    );
    expect(() => selectManifest(index, { os: "linux", architecture: "s390x" }, "x")).toThrow(
      expect.objectContaining({ code: "not_found" }),
    );
  });
});
