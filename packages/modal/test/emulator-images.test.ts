/**
 * The emulator runs each Modal sandbox in the image it asked for (pulled by the local backend
 * from a real registry on loopback) and applies RUN steps at build, failing builds as Modal does.
 */
import { randomBytes } from "node:crypto";
import { ModalClient } from "modal";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { ModalEmulator } from "../src/index.js";
import { startTestEmulator } from "./support/fixture.js";
import { debianRootfs, startTestRegistry, type TestRegistry } from "./support/test-registry.js";

const namespace = process.env.OPENLATTICE_MODAL_TEST_ISOLATION !== "none";
const marker = `image-${randomBytes(4).toString("hex")}`;
let registry: TestRegistry;
let emulator: ModalEmulator;
let modal: ModalClient;
let ref: string;

beforeAll(async () => {
  registry = await startTestRegistry();
  ref = `${registry.host}/test/deb:1`;
  await registry.push(debianRootfs(marker), "test/deb:1", ["FROM_IMAGE=yes"]);
  // The tag itself is the backend's image: what a user gets from the emulator by default.
  emulator = await startTestEmulator({ isolation: "namespace", imageForTag: (tag) => tag });
  process.env.MODAL_SERVER_URL = emulator.url;
  modal = new ModalClient();
}, 120_000);

afterAll(async () => {
  modal?.close();
  delete process.env.MODAL_SERVER_URL;
  await emulator?.close();
  await registry?.stop();
});

async function run(sb: Awaited<ReturnType<ModalClient["sandboxes"]["create"]>>, script: string) {
  const process = await sb.exec(["sh", "-c", script]);
  const out = await process.stdout.readText();
  return { out, code: await process.wait() };
}

describe.skipIf(!namespace)("images in the emulator (local backend, namespace tier)", () => {
  test("a sandbox runs in the registry image it asked for, with the image's env and a writable root", async () => {
    const app = await modal.apps.fromName("images", { createIfMissing: true });
    const sb = await modal.sandboxes.create(app, modal.images.fromRegistry(ref), { timeoutMs: 120_000 });
    try {
      const result = await run(
        sb,
        "cat /etc/image-id; echo $FROM_IMAGE; id -u; echo x > /etc/written && cat /etc/written",
      );
      expect(result).toEqual({ out: `${marker}\nyes\n0\nx\n`, code: 0 });
    } finally {
      await sb.terminate();
    }
  });

  test("RUN steps are executed at build and the sandbox starts from their result", async () => {
    const app = await modal.apps.fromName("images", { createIfMissing: true });
    const image = modal.images
      .fromRegistry(ref)
      .dockerfileCommands([
        "RUN echo built > /etc/built && mkdir -p /opt/tool",
        'RUN ["sh", "-c", "echo exec-form > /opt/tool/v"]',
      ]);
    const sb = await modal.sandboxes.create(app, image, { timeoutMs: 120_000 });
    try {
      expect(await run(sb, "cat /etc/built /opt/tool/v /etc/image-id")).toEqual({
        out: `built\nexec-form\n${marker}\n`,
        code: 0,
      });
    } finally {
      await sb.terminate();
    }
  });

  test("a failing RUN step and an instruction the emulator cannot apply fail the build as on Modal", async () => {
    const app = await modal.apps.fromName("images", { createIfMissing: true });
    const failing = modal.images.fromRegistry(ref).dockerfileCommands(["RUN echo trying >&2; exit 3"]);
    await expect(modal.sandboxes.create(app, failing)).rejects.toThrow(
      /Image build for im-\S+ failed with the exception:[\s\S]*exited with code 3[\s\S]*trying/,
    );
    const env = modal.images.fromRegistry(ref).dockerfileCommands(["ENV MODE=fast"]);
    await expect(modal.sandboxes.create(app, env)).rejects.toThrow(/only RUN steps[\s\S]*ENV/);
  });

  test("an image the registry does not have fails the sandbox, naming it", async () => {
    const app = await modal.apps.fromName("images", { createIfMissing: true });
    const missing = `${registry.host}/test/absent:1`;
    await expect(modal.sandboxes.create(app, modal.images.fromRegistry(missing))).rejects.toThrow(
      /NOT_FOUND[\s\S]*test\/absent:1/,
    );
  });
});
