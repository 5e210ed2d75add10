/**
 * A real OCI registry for the emulator's image tests: Debian's docker-registry on loopback, and
 * a small image built from this host's own programs (dash, GNU tar, mawk, sed, coreutils' few,
 * with their libraries) pushed with skopeo, as a user pushes with any client.
 */
import { type ChildProcess, execFile, execFileSync, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";

export interface TestRegistry {
  readonly host: string;
  /** Pushes a rootfs directory as `<host>/<name>`; the image config sets `env`. */
  push(rootfs: string, name: string, env?: readonly string[]): Promise<void>;
  stop(): Promise<void>;
}

const PROGRAMS = ["sh", "cat", "mkdir", "mkfifo", "rm", "ls", "tar", "awk", "sed", "sort", "echo", "test", "id"];

/** A rootfs of host programs and their libraries, plus `/etc/image-id` holding `marker`. */
export function debianRootfs(marker: string): string {
  const root = path.join(mkdtempSync(path.join(tmpdir(), "ol-modal-rootfs-")), "rootfs");
  const files = new Set<string>();
  for (const name of PROGRAMS) {
    const found = execFileSync("sh", ["-c", `command -v ${name}`])
      .toString()
      .trim();
    if (!found.startsWith("/")) continue;
    const real = execFileSync("readlink", ["-f", found]).toString().trim();
    files.add(real);
    mkdirSync(path.join(root, "bin"), { recursive: true });
    copyFileSync(real, path.join(root, "bin", name));
    const ldd = execFileSync("ldd", [real]).toString();
    for (const match of ldd.matchAll(/(\/[^\s]+) \(0x/g)) files.add(match[1] as string);
  }
  for (const file of files) {
    if (file.includes("/bin/")) continue;
    mkdirSync(path.join(root, path.dirname(file)), { recursive: true });
    copyFileSync(file, path.join(root, file));
  }
  mkdirSync(path.join(root, "etc"), { recursive: true });
  mkdirSync(path.join(root, "tmp"), { mode: 0o1777 });
  mkdirSync(path.join(root, "root"), { mode: 0o700 });
  writeFileSync(path.join(root, "etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n");
  writeFileSync(path.join(root, "etc/image-id"), `${marker}\n`);
  return root;
}

const run = (file: string, args: string[]) =>
  new Promise<void>((resolve, reject) =>
    execFile(file, args, { env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: tmpdir() } }, (error, _o, stderr) =>
      error ? reject(new Error(`${file} ${args[0]}: ${stderr || error.message}`)) : resolve(),
    ),
  );

function digestOf(bytes: Buffer): string {
  return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}

/** Writes `rootfs` as a one-layer image into a new OCI layout; returns `oci:<dir>:latest`. */
async function writeLayout(rootfs: string, env: readonly string[]): Promise<string> {
  const dir = mkdtempSync(path.join(tmpdir(), "ol-modal-layout-"));
  const blobs = path.join(dir, "blobs", "sha256");
  mkdirSync(blobs, { recursive: true });
  const put = (bytes: Buffer) => {
    const digest = digestOf(bytes);
    writeFileSync(path.join(blobs, digest.slice(7)), bytes);
    return { digest, size: bytes.length };
  };
  const tarFile = path.join(dir, "layer.tar");
  await run("tar", ["-C", rootfs, "--owner=0", "--group=0", "--numeric-owner", "-cf", tarFile, "."]);
  const layerBytes = readFileSync(tarFile);
  rmSync(tarFile);
  const layer = put(layerBytes);
  const config = put(
    Buffer.from(
      JSON.stringify({
        architecture: process.arch === "arm64" ? "arm64" : "amd64",
        os: "linux",
        config: { Env: ["PATH=/bin", ...env], WorkingDir: "/root" },
        rootfs: { type: "layers", diff_ids: [layer.digest] },
      }),
    ),
  );
  const manifest = put(
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: "application/vnd.oci.image.manifest.v1+json",
        config: { mediaType: "application/vnd.oci.image.config.v1+json", ...config },
        layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar", ...layer }],
      }),
    ),
  );
  writeFileSync(path.join(dir, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
  writeFileSync(
    path.join(dir, "index.json"),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [
        {
          mediaType: "application/vnd.oci.image.manifest.v1+json",
          ...manifest,
          annotations: { "org.opencontainers.image.ref.name": "latest" },
        },
      ],
    }),
  );
  return `oci:${dir}:latest`;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

/** Starts docker-registry on a free loopback port; resolves once it answers. */
export async function startTestRegistry(): Promise<TestRegistry> {
  const dir = mkdtempSync(path.join(tmpdir(), "ol-modal-registry-"));
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const configFile = path.join(dir, "config.yml");
  writeFileSync(
    configFile,
    `version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: ${dir}/data\nhttp:\n  addr: ${host}\n`,
  );
  const child: ChildProcess = spawn("docker-registry", ["serve", configFile], { stdio: "ignore" });
  const deadline = Date.now() + 15_000;
  for (;;) {
    const ok = await fetch(`http://${host}/v2/`).then(
      (response) => response.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline || child.exitCode !== null) throw new Error("docker-registry did not start");
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    host,
    push: async (rootfs, name, env = []) => {
      const source = await writeLayout(rootfs, env);
      await run("skopeo", ["copy", "--quiet", "--dest-tls-verify=false", source, `docker://${host}/${name}`]);
    },
    stop: async () => {
      child.kill("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
