import type { NetworkExtension } from "@openlattice/core";
import { expect } from "vitest";
import { LABEL_RUN } from "../suite/suite-options.js";
import type { CaseDefinition } from "./case-definition.js";
import { expectSandboxError, listOf, waitForEnd } from "./case-helpers.js";
import { randomPort, randomToken, serverCommand, startServer, waitForSilence, waitForToken } from "./http-server.js";
import { unknownId } from "./sandbox-inspect-cases.js";

/** Destroy: idempotent, final, and real. */
export const SANDBOX_DESTROY_CASES: readonly CaseDefinition[] = [
  {
    id: "sandbox.destroy.twice",
    run: async (c) => {
      const node = await c.provision();
      await c.provider.destroy(node.externalId);
      await c.provider.destroy(node.externalId);
    },
  },
  {
    id: "sandbox.destroy.unknown",
    run: async (c) => {
      await c.provider.destroy(unknownId());
    },
  },
  {
    id: "sandbox.destroy.after-exit",
    run: async (c) => {
      const node = await c.provision({ runtime: { entrypoint: ["sh", "-c", "exit 0"] } });
      const info = await waitForEnd(c, node.externalId, c.options.timeouts.durationGraceMs);
      if (info.status !== "terminated" && info.status !== "failed") {
        c.note(`the sandbox was still ${info.status} after its entrypoint exited; destroying it anyway`);
      }
      await c.provider.destroy(node.externalId);
    },
  },
  {
    id: "sandbox.destroy.really",
    run: async (c) => {
      const hasNetwork = c.capabilities.extensions.includes("network");
      const port = randomPort();
      const box = await c.sandbox(hasNetwork ? { network: { ports: [port] } } : {});
      const token = randomToken();
      let url: string | undefined;
      if (hasNetwork) {
        const network = c.provider.getExtension(box.id, "network");
        if (!network) throw new Error('capabilities.extensions declares "network" but getExtension returns undefined');
        await startServer(c, box.id, port, token);
        url = await network.getUrl(port);
        try {
          await waitForToken(url, token, c.options.timeouts.networkReadyMs);
        } catch (error) {
          // network.get-url.http reports that; here it only means the server cannot be the witness.
          c.note(
            `the sandbox's server never answered (${(error as Error).message}); destroy was observed through a fresh provider only`,
          );
          url = undefined;
        }
      } else {
        c.note("the provider has no network extension: destroy was observed through a fresh provider only");
      }
      // The server for the second sandbox, chosen while the first one can still tell what it has.
      const mainPort = randomPort();
      const mainToken = randomToken();
      const mainServer = url === undefined ? [] : await serverCommand(c, box.id, mainPort, mainToken);
      await c.provider.destroy(box.id);
      // Observed from outside, not from the provider's report: the sandbox's server must go quiet.
      if (url !== undefined) await waitForSilence(url, token, c.options.timeouts.killGraceMs);
      if (url !== undefined) {
        // The same for a server that is the sandbox's main process (its entrypoint).
        const main = await c.provision({ network: { ports: [mainPort] }, runtime: { entrypoint: mainServer } });
        const mainUrl = await (c.provider.getExtension(main.externalId, "network") as NetworkExtension).getUrl(
          mainPort,
        );
        await waitForToken(mainUrl, mainToken, c.options.timeouts.networkReadyMs);
        await c.provider.destroy(main.externalId);
        await waitForSilence(mainUrl, mainToken, c.options.timeouts.killGraceMs);
      }
      const fresh = c.options.sharedInstance ? c.raw : await c.createProvider();
      if (fresh === c.raw) c.note("createProvider returns one shared instance: the second look used it again");
      const info = await fresh.inspect(box.id);
      expect(["terminated", "failed"], "status of the destroyed sandbox seen by a fresh provider instance").toContain(
        info.status,
      );
      const list = listOf(fresh);
      if (list) {
        // Only live entries count here; whether list shows ended ones at all is sandbox.list.live-only's concern.
        const alive = (await list({ labels: { [LABEL_RUN]: c.options.runId } }))
          .filter((node) => node.status !== "terminated" && node.status !== "failed")
          .map((node) => node.externalId);
        expect(alive, "a fresh provider instance lists the destroyed sandbox as live").not.toContain(box.id);
      }
    },
  },
  {
    id: "sandbox.inspect.after-destroy",
    run: async (c) => {
      const node = await c.provision();
      await c.provider.destroy(node.externalId);
      const info = await c.provider.inspect(node.externalId);
      expect(info.status, "status after destroy").toBe("terminated");
      expect(info.externalId, "externalId after destroy").toBe(node.externalId);
    },
  },
  {
    id: "sandbox.exec.after-destroy",
    run: async (c) => {
      const node = await c.provision();
      await c.provider.destroy(node.externalId);
      await expectSandboxError(
        c.provider.exec(node.externalId, ["true"]),
        ["terminated", "not_found"],
        "exec after destroy",
      );
    },
  },
];
