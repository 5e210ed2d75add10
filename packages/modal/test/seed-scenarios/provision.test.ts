import { describe, expect, test } from "vitest";
import { type CreateRequest, useSeed } from "./seed-fixture.js";

const seed = useSeed({ owner: "seed", runId: "seed-run" });
const lastCreate = (method: "SandboxCreateV2" | "SandboxCreate" = "SandboxCreateV2") =>
  seed.requests<CreateRequest>(method).at(-1);

describe("0.0.3: provision", () => {
  test("image: the registry tag is built as FROM <tag> and the sandbox uses that image", async () => {
    await seed.provision({ runtime: { image: "python:3.11-slim" } });
    const builds = seed.requests<{ image: { dockerfileCommands: string[] } }>("ImageGetOrCreate");
    expect(builds.some((build) => build.image.dockerfileCommands.includes("FROM python:3.11-slim"))).toBe(true);
    expect(lastCreate()?.definition.imageId).toMatch(/^im-/);
    // Without an image: the stated default.
    await seed.provision({});
    expect(builds.length).toBeGreaterThan(0);
    const all = seed.requests<{ image: { dockerfileCommands: string[] } }>("ImageGetOrCreate");
    expect(all.some((build) => build.image.dockerfileCommands.includes("FROM python:3.12-slim"))).toBe(true);
  });

  test("GPU: type and count travel on the GPU (V1) path; a missing type defaults to T4", async () => {
    await seed.provision({ gpu: { type: "A10", count: 2 } });
    expect(lastCreate("SandboxCreate")?.definition.resources?.gpuConfig).toMatchObject({ gpuType: "A10", count: 2 });
    await seed.provision({ gpu: { count: 1 } });
    expect(lastCreate("SandboxCreate")?.definition.resources?.gpuConfig).toMatchObject({ gpuType: "T4", count: 1 });
  });

  test("timeout: duration.maxSeconds is the sandbox lifetime in whole seconds", async () => {
    await seed.provision({ duration: { maxSeconds: 120 } });
    expect(lastCreate()?.definition.timeoutSecs).toBe(120);
  });

  test("workdir: sent natively, and execs without cwd run there", async () => {
    const id = await seed.provision({ runtime: { workdir: "/app" } });
    expect(lastCreate()?.definition.workdir).toBe("/app");
    expect((await seed.provider.exec(id, ["pwd"])).stdout).toBe("/app\n");
  });

  test("setup command: runs to completion before provision resolves, in the workdir with the env", async () => {
    const mark = seed.mark();
    const id = await seed.provision({
      runtime: {
        workdir: "/app",
        env: { STAGE: "setup" },
        command: ["sh", "-c", 'echo "$STAGE in $(pwd)" > installed.txt'],
      },
    });
    const methods = seed.since(mark).map((call) => call.method);
    const create = methods.indexOf("SandboxCreateV2");
    const setupStart = seed
      .since(mark)
      .findIndex(
        (call) =>
          call.method === "TaskExecStart" &&
          (call.request as { commandArgs: string[] }).commandArgs.includes('echo "$STAGE in $(pwd)" > installed.txt'),
      );
    expect(create).toBeGreaterThanOrEqual(0);
    expect(setupStart).toBeGreaterThan(create);
    // The setup command is not the sandbox's main process.
    expect(lastCreate()?.definition.entrypointArgs).toEqual([]);
    expect((await seed.provider.exec(id, ["cat", "installed.txt"])).stdout).toBe("setup in /app\n");
  });

  test("a failing setup command fails provision with setup_failed and leaves nothing behind", async () => {
    const before = seed.requests<unknown>("SandboxTerminateV2").length;
    const failure = await seed.provider
      .provision({ runtime: { command: ["sh", "-c", "echo installing; echo 'no such package' >&2; exit 3"] } })
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(failure).toMatchObject({
      code: "setup_failed",
      details: { exitCode: 3, stdoutTail: "installing\n", stderrTail: "no such package\n" },
    });
    expect(seed.requests<unknown>("SandboxTerminateV2").length).toBe(before + 1);
    const listed = await seed.provider.list({});
    expect(
      listed.every((node) => node.externalId !== (failure as { details: { externalId: string } }).details.externalId),
    ).toBe(true);
  });

  test("entrypoint: the long-running main process is Modal's sandbox command", async () => {
    const id = await seed.provision({ runtime: { entrypoint: ["sleep", "600"] } });
    expect(lastCreate()?.definition.entrypointArgs).toEqual(["sleep", "600"]);
    expect((await seed.provider.inspect(id)).status).toBe("running");
  });

  test("labels and name become tags and the sandbox name; inspect returns them", async () => {
    const id = await seed.provision({ labels: { team: "ml" }, name: "seed-named" });
    const tags = Object.fromEntries((lastCreate()?.tags ?? []).map((tag) => [tag.tagName, tag.tagValue]));
    expect(tags).toMatchObject({ team: "ml", "openlattice-owner": "seed", "openlattice-run": "seed-run" });
    expect(await seed.provider.inspect(id)).toMatchObject({
      status: "running",
      labels: { team: "ml" },
      name: "seed-named",
    });
  });
});
