import { existsSync } from "node:fs";
import net from "node:net";
import { describe, expect, it } from "vitest";
import { lazyProvider, SKIP_REASON, skipNamespace } from "./helpers.js";

/** A host TCP server on 127.0.0.1 that counts the connections it receives. */
async function hostServer(): Promise<{ port: number; connections: () => number; close: () => Promise<void> }> {
  let count = 0;
  const server = net.createServer((socket) => {
    count++;
    socket.end("hello from host\n");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    connections: () => count,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe.skipIf(skipNamespace)(`namespace isolation${SKIP_REASON}`, () => {
  const provider = lazyProvider("namespace");
  const smallTmp = lazyProvider("namespace", { tmpSizeMiB: 8 });

  it("cannot write the host's /etc or other image paths", async () => {
    const p = provider();
    const { externalId } = await p.provision({});
    const marker = `/etc/openlattice-escape-${process.pid}`;
    const result = await p.exec(externalId, [
      "sh",
      "-c",
      `touch ${marker}; echo $?; touch /usr/x 2>/dev/null; echo $?`,
    ]);
    expect(result.stdout).toBe("1\n1\n");
    expect(result.stderr).toMatch(/Read-only file system/);
    expect(existsSync(marker)).toBe(false);
  });

  it("cannot see host processes", async () => {
    const p = provider();
    const { externalId } = await p.provision({});
    const result = await p.exec(externalId, [
      "sh",
      "-c",
      "ls /proc | grep -E '^[0-9]+$' | wc -l; cat /proc/1/cmdline | tr '\\0' ' '",
    ]);
    const [count, init] = result.stdout.split("\n");
    // pid 1 is the sandbox's agent (no reaper in between), and only a handful of processes exist.
    expect(Number(count)).toBeLessThan(10);
    expect(init).toBe("/run/openlattice/agent serve ");
    const own = await p.exec(externalId, ["test", "-e", `/proc/${process.pid}/cmdline`]);
    expect(
      own.exitCode === 0 ? (await p.exec(externalId, ["cat", `/proc/${process.pid}/cmdline`])).stdout : "",
    ).not.toMatch(/vitest|node/);
  });

  it("the agent (pid 1) can be neither killed, traced nor read by the sandbox's own processes", async () => {
    const p = provider();
    const { externalId } = await p.provision({});
    const attack = await p.exec(externalId, [
      "sh",
      "-c",
      "kill -9 1; echo killed=$?; ls /proc/1/fd >/dev/null 2>&1; echo fds=$?; cat /proc/1/environ >/dev/null 2>&1; echo environ=$?",
    ]);
    // The kernel drops SIGKILL to a namespace's init from inside; not dumpable hides its fds and env.
    expect(attack.stdout).toMatch(/fds=[1-9]/);
    expect(attack.stdout).toMatch(/environ=[1-9]/);
    const after = await p.exec(externalId, ["echo", "still here"]);
    expect(after.stdout).toBe("still here\n");
  });

  it("runs commands as an unprivileged user with no capabilities", async () => {
    const p = provider();
    const { externalId } = await p.provision({});
    const result = await p.exec(externalId, ["sh", "-c", "id -u; grep CapEff /proc/self/status; cat /etc/shadow"]);
    expect(result.stdout).toMatch(/^1000\nCapEff:\s+0000000000000000\n$/);
    expect(result.stderr).toMatch(/Permission denied/);
  });

  it("has no network egress by default: only loopback, host servers unreachable", async () => {
    const p = provider();
    const server = await hostServer();
    try {
      const { externalId } = await p.provision({});
      const interfaces = await p.exec(externalId, ["sh", "-c", "tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '"]);
      expect(interfaces.stdout).toBe("lo\n");
      const connect = await p.exec(externalId, ["bash", "-c", `exec 3<>/dev/tcp/127.0.0.1/${server.port} && cat <&3`], {
        timeoutMs: 5000,
      });
      expect(connect.exitCode).not.toBe(0);
      expect(server.connections()).toBe(0);
    } finally {
      await server.close();
    }
  });

  it('with egress "all" the same connection succeeds (the check above can fail)', async () => {
    const p = provider();
    const server = await hostServer();
    try {
      const { externalId } = await p.provision({ network: { egress: "all" } });
      const connect = await p.exec(externalId, ["bash", "-c", `exec 3<>/dev/tcp/127.0.0.1/${server.port} && cat <&3`], {
        timeoutMs: 5000,
      });
      expect(connect.stdout).toBe("hello from host\n");
      expect(server.connections()).toBe(1);
    } finally {
      await server.close();
    }
  });

  it("gives the sandbox a sized tmpfs /tmp, a fresh /dev and its own hostname", async () => {
    const p = smallTmp();
    const { externalId } = await p.provision({});
    const result = await p.exec(externalId, [
      "sh",
      "-c",
      "hostname; head -c 20000000 /dev/zero > /tmp/big; echo $?; ls /dev | wc -l",
    ]);
    const [hostname, status, devices] = result.stdout.split("\n");
    expect(hostname).toBe("sandbox");
    expect(status).not.toBe("0");
    expect(Number(devices)).toBeLessThan(20);
  });
});
