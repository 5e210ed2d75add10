/**
 * The none tier says plainly, where callers look (healthCheck and capabilities), that commands
 * run unisolated and as which host user; the namespace tier never says so.
 */
import os from "node:os";
import { describe, expect, it } from "vitest";
import { lazyProvider, SKIP_REASON, skipNamespace } from "./helpers.js";

const uid = process.getuid?.() ?? -1;
const user = os.userInfo().username;

describe("isolation honesty", () => {
  const none = lazyProvider("none");
  const namespace = lazyProvider("namespace");

  it("none tier: health and capabilities say not isolated, and as which user", async () => {
    const health = await none().healthCheck();
    expect(health.message).toMatch(/^not isolated: commands run unisolated on the host as /);
    expect(health.message).toContain(`as ${user} (uid ${uid})`);
    expect(health.details).toMatchObject({ isolated: false, isolationNotice: expect.stringContaining("not isolated") });
    expect(none().capabilities.limitations?.isolation).toContain(
      `not isolated: commands run unisolated on the host as ${user} (uid ${uid})`,
    );
    // And it really is so: a command there runs as that uid.
    const { externalId } = await none().provision({});
    expect((await none().exec(externalId, ["id", "-u"])).stdout.trim()).toBe(String(uid));
  });

  it.skipIf(skipNamespace)(`namespace tier: health does not claim to be unisolated${SKIP_REASON}`, async () => {
    const health = await namespace().healthCheck();
    expect(health.message).not.toMatch(/not isolated/);
    expect(health.details).toMatchObject({ isolated: true });
  });
});
