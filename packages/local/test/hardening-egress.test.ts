/**
 * Egress "all" reaches the outside world, not the host's loopback services, its abstract Unix
 * sockets or other sandboxes' relayed ports (a private network namespace behind slirp4netns with
 * host loopback disabled); `allowHostLoopback: true` is the control that shares the host's.
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import { describe, expect, it } from "vitest";
import { slirpProblem } from "../src/network/slirp-egress.js";
import { lazyProvider, SKIP_REASON, skipNamespace, waitFor } from "./helpers.js";

interface Listener {
  readonly port: number;
  connections(): number;
  close(): Promise<void>;
}

async function listen(where: { host: string }): Promise<Listener> {
  let count = 0;
  const server = net.createServer((socket) => {
    count++;
    socket.end("hello from host\n");
  });
  await new Promise<void>((resolve) => server.listen(0, where.host, resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    connections: () => count,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** A non-loopback IPv4 address of this host: what "the outside" looks like from a sandbox here. */
const outsideAddress = Object.values(os.networkInterfaces())
  .flat()
  .find((entry) => entry && entry.family === "IPv4" && !entry.internal)?.address;

const tcp = (host: string, port: number) => ["bash", "-c", `exec 3<>/dev/tcp/${host}/${port} && cat <&3`];

/** Why this host cannot give egress "all" a private namespace (e.g. /dev/net/tun root-only), if so. */
const problem = slirpProblem(process.getuid?.() === 0);
const SKIP_SLIRP = problem ? ` (skipped: ${problem}; the refusal is tested instead)` : "";

describe.skipIf(skipNamespace || problem)(`egress "all" (namespace tier)${SKIP_REASON}${SKIP_SLIRP}`, () => {
  const provider = lazyProvider("namespace");
  const hostNet = lazyProvider("namespace", { allowHostLoopback: true });

  it("cannot reach a host loopback listener, directly or through slirp's host alias", async () => {
    const server = await listen({ host: "127.0.0.1" });
    try {
      const p = provider();
      const { externalId } = await p.provision({ network: { egress: "all" } });
      const interfaces = await p.exec(externalId, ["sh", "-c", "tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '"]);
      expect(interfaces.stdout.split("\n")).toContain("tap0");
      for (const host of ["127.0.0.1", "10.0.2.2"]) {
        const attempt = await p.exec(externalId, tcp(host, server.port), { timeoutMs: 5000 });
        expect(attempt.exitCode, host).not.toBe(0);
      }
      expect(server.connections()).toBe(0);
    } finally {
      await server.close();
    }
  });

  it.skipIf(!outsideAddress)(
    "reaches a server outside its namespace by a non-loopback address (skipped: this host has no non-loopback IPv4 address)",
    async () => {
      const server = await listen({ host: "0.0.0.0" });
      try {
        const p = provider();
        const { externalId } = await p.provision({ network: { egress: "all" } });
        const attempt = await p.exec(externalId, tcp(outsideAddress as string, server.port), { timeoutMs: 10_000 });
        expect(attempt.stdout, attempt.stderr).toBe("hello from host\n");
        expect(server.connections()).toBe(1);
      } finally {
        await server.close();
      }
    },
  );

  it("cannot reach a host abstract Unix socket; with allowHostLoopback it can (the control)", async () => {
    const name = `ol-abstract-${process.pid}-${Date.now()}`;
    // socat, not node: node binds abstract names padded to the whole sun_path.
    const server = spawn("socat", [`ABSTRACT-LISTEN:${name},fork`, "SYSTEM:echo hello from host"], { stdio: "ignore" });
    try {
      await waitFor(async () => (readFileSync("/proc/net/unix", "utf8").includes(`@${name}`) ? true : undefined));
      const connect = ["socat", "-u", `ABSTRACT-CONNECT:${name}`, "-"];
      const p = provider();
      const isolated = await p.provision({ network: { egress: "all" } });
      const refused = await p.exec(isolated.externalId, connect, { timeoutMs: 5000 });
      expect(refused.exitCode).not.toBe(0);
      expect(refused.stdout).toBe("");
      const shared = await hostNet().provision({ network: { egress: "all" } });
      const reached = await hostNet().exec(shared.externalId, connect, { timeoutMs: 5000 });
      expect(reached.stdout, reached.stderr).toBe("hello from host\n");
    } finally {
      server.kill();
    }
  });

  it("cannot reach another sandbox's relayed port, which the host still reaches", async () => {
    const p = provider();
    const serving = await p.provision({ network: { ports: [8080] } });
    // Runs until the sandbox is destroyed after the file (then it ends with "terminated").
    void p.exec(serving.externalId, ["socat", "TCP-LISTEN:8080,fork,reuseaddr", "SYSTEM:echo from-b"]).catch(() => {});
    const url = new URL((await p.getExtension(serving.externalId, "network")?.getUrl(8080)) ?? "");
    const port = Number(url.port);
    // The host reaches it (retry while socat starts).
    let body = "";
    for (let i = 0; i < 50 && !body.includes("from-b"); i++) {
      body = await new Promise<string>((resolve) => {
        const socket = net.connect(port, "127.0.0.1");
        let data = "";
        socket.on("data", (chunk) => {
          data += chunk;
        });
        socket.on("close", () => resolve(data));
        socket.on("error", () => resolve(""));
      });
      if (!body.includes("from-b")) await new Promise((r) => setTimeout(r, 100));
    }
    expect(body).toContain("from-b");
    const other = await p.provision({ network: { egress: "all" } });
    for (const host of ["127.0.0.1", "10.0.2.2"]) {
      const attempt = await p.exec(other.externalId, tcp(host, port), { timeoutMs: 5000 });
      expect(attempt.stdout, host).not.toContain("from-b");
      expect(attempt.exitCode, host).not.toBe(0);
    }
  });
});

describe.skipIf(skipNamespace || !problem)(`egress "all" where slirp4netns cannot run${SKIP_REASON}`, () => {
  const provider = lazyProvider("namespace");

  it("is refused with unsupported, never silently given the host network", async () => {
    const p = provider();
    expect(p.capabilities.egress).toEqual(["none"]);
    expect(p.capabilities.limitations?.egress).toMatch(/allowHostLoopback/);
    await expect(p.provision({ network: { egress: "all" } })).rejects.toMatchObject({ code: "unsupported" });
  });
});
