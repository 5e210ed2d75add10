import { isSandboxError, type SandboxError } from "@openlattice/core";
import { expect } from "vitest";
import type { CaseDefinition } from "./case-definition.js";
import { liveIds, sleep, waitForEnd } from "./case-helpers.js";

/** The runtime section: entrypoint, setup command, env, workdir and the default image. */
export const SANDBOX_RUNTIME_CASES: readonly CaseDefinition[] = [
  {
    id: "sandbox.command.exit",
    run: async (c) => {
      const node = await c.provision({ runtime: { entrypoint: ["sh", "-c", "sleep 0.3; exit 7"] } });
      const info = await waitForEnd(c, node.externalId, c.options.timeouts.durationGraceMs);
      expect(info.status, "status after the entrypoint exited").toBe("terminated");
      expect(info.exitCode, "exitCode of the entrypoint").toBe(7);
      // An entrypoint that cannot start ends the sandbox at once, or provision refuses it (typed).
      const missing = await c
        .provision({ runtime: { entrypoint: ["olc-no-such-program-xyz"] } })
        .catch((error: unknown) => {
          if (!isSandboxError(error)) throw error;
          c.note(`an entrypoint that cannot start is refused with ${error.code}`);
          return undefined;
        });
      if (missing) {
        const ended = await waitForEnd(c, missing.externalId, c.options.timeouts.durationGraceMs);
        expect(["terminated", "failed"], "status of a sandbox whose entrypoint cannot start").toContain(ended.status);
      }
    },
  },
  {
    id: "sandbox.setup-command.runs",
    run: async (c) => {
      const workdir = "/tmp";
      // The setup command writes a marker only after a pause: provision must wait for it.
      const node = await c.provision({
        runtime: {
          workdir,
          env: { OLC_SETUP: "from-spec" },
          command: ["sh", "-c", 'sleep 0.5; printf "%s %s" "$OLC_SETUP" "$(pwd)" > setup-marker'],
        },
      });
      const marker = await c.exec(node.externalId, ["cat", `${workdir}/setup-marker`]);
      expect(marker.exitCode, "the setup command's file exists as soon as provision resolved").toBe(0);
      expect(marker.stdout, "the setup command saw the spec's env and workdir").toBe(`from-spec ${workdir}`);
      expect((await c.provider.inspect(node.externalId)).status, "status after setup").toBe("running");
    },
  },
  {
    id: "sandbox.setup-command.fails",
    run: async (c) => {
      const label = { "conformance.case": `setup-fails-${Math.random().toString(36).slice(2, 10)}` };
      const error = await c
        .provision({
          labels: label,
          runtime: { command: ["sh", "-c", "echo installing; echo 'no such package' >&2; exit 3"] },
        })
        .then(
          () => undefined,
          (caught: unknown) => caught,
        );
      expect(isSandboxError(error), `provision with a failing setup command rejects with a SandboxError`).toBe(true);
      const failure = error as SandboxError;
      expect(failure.code, "error code").toBe("setup_failed");
      expect(failure.details.exitCode, "details.exitCode").toBe(3);
      expect(String(failure.details.stderrTail), "details.stderrTail").toContain("no such package");
      expect(String(failure.details.stdoutTail), "details.stdoutTail").toContain("installing");
      const left = await liveIds(c, label);
      if (left) expect([...left], "live sandboxes left behind by the failed provision").toEqual([]);
    },
  },
  {
    id: "sandbox.runtime.env-workdir",
    run: async (c) => {
      const value = "spec env: $(not run) 'q' \"dq\" ü";
      // A workdir that does not exist yet: the spec says it is created.
      const workdir = `/tmp/olc-workdir-${Math.random().toString(36).slice(2, 8)}/deeper`;
      const node = await c.provision({ runtime: { workdir, env: { OLC_SPEC_ENV: value, OLC_SPEC_EMPTY: "" } } });
      const pwd = await c.mustExec(node.externalId, ["pwd"]);
      expect(pwd.stdout, "default cwd is runtime.workdir, created when missing").toBe(`${workdir}\n`);
      const env = await c.mustExec(node.externalId, ["printenv", "OLC_SPEC_ENV"]);
      expect(env.stdout, "runtime.env reaches exec").toBe(`${value}\n`);
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell expansion, not a template
      const empty = await c.exec(node.externalId, ["sh", "-c", 'printf "%s" "${OLC_SPEC_EMPTY-unset}"']);
      expect(empty.stdout, "an empty runtime.env value is set").toBe("");
      const override = await c.mustExec(node.externalId, ["printenv", "OLC_SPEC_ENV"], {
        env: { OLC_SPEC_ENV: "per-exec" },
      });
      expect(override.stdout, "exec env overrides runtime.env").toBe("per-exec\n");
      // The entrypoint runs with the same env and workdir.
      const mainDir = `/tmp/olc-entrypoint-${Math.random().toString(36).slice(2, 8)}`;
      const main = await c.provision({
        runtime: {
          workdir: mainDir,
          env: { OLC_SPEC_ENV: value },
          entrypoint: [
            "sh",
            "-c",
            'printf "%s|%s" "$OLC_SPEC_ENV" "$(pwd)" > entrypoint-saw.tmp && mv entrypoint-saw.tmp entrypoint-saw; exec sleep 600',
          ],
        },
      });
      const deadline = Date.now() + c.options.timeouts.networkReadyMs;
      let seen = await c.exec(main.externalId, ["cat", `${mainDir}/entrypoint-saw`]);
      while (seen.exitCode !== 0 && Date.now() < deadline) {
        await sleep(200);
        seen = await c.exec(main.externalId, ["cat", `${mainDir}/entrypoint-saw`]);
      }
      expect(seen.stdout, "what the entrypoint saw: runtime.env | its working directory").toBe(`${value}|${mainDir}`);
    },
  },
  {
    id: "sandbox.runtime.default-image",
    run: async (c) => {
      const image = c.capabilities.constraints.defaultImage;
      if (image === undefined) c.notRun("the provider declares no capabilities.constraints.defaultImage");
      // Without any runtime.image (options.image would otherwise be added by c.spec).
      const { runtime: _image, ...withoutImage } = c.spec();
      const plain = await c.provider.provision(withoutImage);
      const named = await c.provision({ runtime: { image } });
      const probe = ["sh", "-c", "uname -m; command -v sh; cat /etc/os-release 2>/dev/null | head -n 2"];
      const [a, b] = await Promise.all([c.mustExec(plain.externalId, probe), c.mustExec(named.externalId, probe)]);
      expect(b.stdout, `a sandbox with runtime.image ${JSON.stringify(image)} vs one without an image`).toBe(a.stdout);
    },
  },
];
