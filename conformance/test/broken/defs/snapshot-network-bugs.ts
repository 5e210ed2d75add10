import { cp, mkdir, readdir, readFile, readlink, rmdir, symlink, writeFile } from "node:fs/promises";
import { connect, createServer, type Server } from "node:net";
import { basename, join } from "node:path";
import {
  InvalidArgumentError,
  type NetworkExtension,
  NotFoundError,
  type Provider,
  parseSnapshotRef,
  type SnapshotRef,
} from "@openlattice/core";
import { ReferenceProvider } from "../../../src/reference/index.js";
import type { BrokenProvider } from "../support/define-broken.js";
import { localFactory } from "../support/local-base.js";
import { wrapProvider } from "../support/wrap-provider.js";

const reference = () => new ReferenceProvider();
const local = localFactory();

/** A broken provider whose network extension is replaced. */
function patchedNetwork(base: () => Provider, patch: (network: NetworkExtension, id: string) => NetworkExtension) {
  return () =>
    wrapProvider(base(), (inner) => ({
      getExtension: ((id: string, name: string) => {
        const extension = inner.getExtension(id, name);
        return name === "network" && extension !== undefined ? patch(extension as NetworkExtension, id) : extension;
      }) as Provider["getExtension"],
    }));
}

/** Forwarders a broken provider opened; closed after the file. */
const forwarders = new Set<Server>();

/** A host forwarder that serves its first connection only, then stops listening (socat without fork). */
async function oneShotForwarder(target: URL): Promise<string> {
  const server = createServer((socket) => {
    server.close();
    const upstream = connect(Number(target.port), target.hostname);
    socket.pipe(upstream).pipe(socket);
    socket.on("error", () => upstream.destroy());
    upstream.on("error", () => socket.destroy());
  });
  forwarders.add(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address() as { port: number };
  return `http://127.0.0.1:${address.port}`;
}

/** A snapshot copy that writes file contents only: every mode becomes the default. */
async function copyContentsOnly(from: string, to: string): Promise<void> {
  await mkdir(to, { recursive: true });
  for (const entry of await readdir(from, { withFileTypes: true })) {
    const source = join(from, entry.name);
    const target = join(to, entry.name);
    if (entry.isSymbolicLink()) await symlink(await readlink(source), target);
    else if (entry.isDirectory()) await copyContentsOnly(source, target);
    else await writeFile(target, await readFile(source));
  }
}

/** Subclasses that change how the reference copies a workspace into a snapshot. */
const copying = (copy: (from: string, to: string) => Promise<void>) =>
  class extends ReferenceProvider {
    protected override copyWorkspace(from: string, to: string): Promise<void> {
      return copy(from, to);
    }
  };

/** Execs running per sandbox, for a snapshot that waits for them. */
const running = new Map<string, Set<Promise<unknown>>>();

/** Network and snapshots. */
export const SNAPSHOT_NETWORK_BUGS: readonly BrokenProvider[] = [
  {
    bug: "the port forwarder serves one connection and quits",
    base: "reference",
    fails: ["network.get-url.http"],
    dispose: () => {
      for (const server of forwarders) server.close();
    },
    create: patchedNetwork(reference, (network) => ({
      getUrl: async (port) => oneShotForwarder(new URL(await network.getUrl(port))),
    })),
  },
  {
    bug: "every declared port is forwarded to the first one",
    base: "local",
    fails: ["network.ports.multiple"],
    create: () => {
      const inner = local();
      const first = new Map<string, number>();
      return wrapProvider(inner, () => ({
        provision: async (spec, options) => {
          const node = await inner.provision(spec, options);
          const port = spec.network?.ports?.[0];
          if (port !== undefined) first.set(node.externalId, port);
          return node;
        },
        getExtension: ((id: string, name: string) => {
          const extension = inner.getExtension(id, name);
          if (name !== "network" || extension === undefined) return extension;
          const network = extension as NetworkExtension;
          return {
            getUrl: async (port: number) => {
              await network.getUrl(port);
              return network.getUrl(first.get(id) ?? port);
            },
          };
        }) as Provider["getExtension"],
      }));
    },
  },
  {
    bug: "getUrl answers for ports that were never declared",
    base: "reference",
    fails: ["network.ports.undeclared"],
    create: patchedNetwork(reference, () => ({ getUrl: async (port) => `http://127.0.0.1:${port}` })),
  },
  {
    bug: 'a "snapshot" is a symlink to the live workspace, so later writes show up in restored sandboxes',
    base: "reference",
    fails: ["snapshot.restore.isolated"],
    create: () => new (copying((from, to) => symlink(from, to)))(),
  },
  {
    bug: "snapshots skip dotfiles",
    base: "reference",
    fails: ["snapshot.restore.contents"],
    create: () =>
      new (copying((from, to) =>
        cp(from, to, {
          recursive: true,
          verbatimSymlinks: true,
          filter: (source) => !basename(source).startsWith(".") || source === from,
        }),
      ))(),
  },
  {
    bug: "snapshots drop empty directories",
    base: "reference",
    fails: ["snapshot.restore.contents"],
    create: () =>
      new (copying(async (from, to) => {
        await cp(from, to, { recursive: true, verbatimSymlinks: true });
        await pruneEmptyDirectories(to, to);
      }))(),
  },
  {
    bug: "snapshots copy file contents only and drop modes",
    base: "reference",
    fails: ["snapshot.restore.modes"],
    create: () => new (copying(copyContentsOnly))(),
  },
  {
    bug: "restore ignores its overrides",
    // On the reference: local's own restore merges env overrides (a known local failure).
    base: "reference",
    fails: ["snapshot.restore.overrides"],
    create: () => wrapProvider(new ReferenceProvider(), (inner) => ({ restore: (ref) => inner.restore(ref) })),
  },
  {
    bug: "restore wants createdAt as a Date and refuses the plain JSON form",
    base: "reference",
    fails: ["snapshot.ref.json"],
    create: () =>
      wrapProvider(reference(), (inner) => ({
        restore: (ref, overrides) =>
          ref.createdAt instanceof Date
            ? inner.restore(ref, overrides)
            : Promise.reject(new InvalidArgumentError("ref.createdAt", "must be a Date", { provider: "reference" })),
      })),
  },
  {
    bug: "snapshots are remembered by the provider instance that took them",
    base: "reference",
    fails: ["snapshot.ref.fresh-provider"],
    create: () => {
      const mine = new Set<string>();
      return wrapProvider(reference(), (inner) => ({
        snapshot: async (id) => {
          const ref = await inner.snapshot(id);
          mine.add(ref.externalId);
          return ref;
        },
        restore: async (ref: SnapshotRef, overrides) => {
          const parsed = parseSnapshotRef(ref);
          if (!mine.has(parsed.externalId))
            throw new NotFoundError(`no snapshot ${parsed.externalId}`, { provider: "reference" });
          return inner.restore(parsed, overrides);
        },
      }));
    },
  },
  {
    bug: "restore ignores ref.provider and restores another provider's ref",
    base: "reference",
    fails: ["snapshot.ref.invalid"],
    create: () =>
      wrapProvider(reference(), (inner) => ({
        restore: (ref, overrides) => inner.restore({ ...ref, provider: inner.name }, overrides),
      })),
  },
  {
    bug: "a snapshot waits for the sandbox's running execs to finish",
    base: "reference",
    fails: ["snapshot.during-exec"],
    create: () =>
      wrapProvider(reference(), (inner) => ({
        exec: (id, argv, options) => {
          const execs = running.get(id) ?? new Set();
          running.set(id, execs);
          const call = inner.exec(id, argv, options);
          const settled = call.catch(() => undefined);
          execs.add(settled);
          void settled.then(() => execs.delete(settled));
          return call;
        },
        snapshot: async (id) => {
          await Promise.all(running.get(id) ?? []);
          return inner.snapshot(id);
        },
      })),
  },
];

/** Removes every empty directory below `dir` (not `dir` itself). */
async function pruneEmptyDirectories(dir: string, top: string): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) await pruneEmptyDirectories(join(dir, entry.name), top);
  }
  if (dir !== top && (await readdir(dir)).length === 0) await rmdir(dir);
}
