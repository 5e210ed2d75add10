import type { Provider } from "@openlattice/core";
import { ReferenceProvider } from "../../../src/reference/index.js";
import type { BrokenProvider } from "../support/define-broken.js";
import { wrapProvider } from "../support/wrap-provider.js";

const reference = () => new ReferenceProvider();

/** Bug: pause only flips the reported status; the processes keep running. */
class PauseNoop extends ReferenceProvider {
  protected override lifecycle(externalId: string) {
    const real = super.lifecycle(externalId);
    return {
      pause: async () => {
        await real.pause();
        await real.resume();
        this.live(externalId).status = "paused";
      },
      resume: () => real.resume(),
    };
  }
}

/**
 * A reference provider that implements one duration limit itself, with a timer that every exec
 * restarts (what an idle timer does, applied to the wrong limit).
 */
function resettingTimer(limit: "maxSeconds"): Provider {
  const inner = reference();
  const timers = new Map<string, { seconds: number; timer?: NodeJS.Timeout }>();
  const arm = (id: string) => {
    const entry = timers.get(id);
    if (!entry) return;
    clearTimeout(entry.timer);
    entry.timer = setTimeout(() => void inner.destroy(id), entry.seconds * 1000);
    entry.timer.unref();
  };
  return wrapProvider(inner, () => ({
    provision: async (spec, options) => {
      const seconds = spec.duration?.[limit];
      const { [limit]: _own, ...duration } = spec.duration ?? {};
      const node = await inner.provision({ ...spec, duration }, options);
      if (seconds !== undefined) {
        timers.set(node.externalId, { seconds });
        arm(node.externalId);
      }
      return node;
    },
    exec: (id, argv, options) => {
      arm(id);
      return inner.exec(id, argv, options);
    },
  }));
}

/** Pause and the duration and idle limits. */
export const LIFECYCLE_BUGS: readonly BrokenProvider[] = [
  {
    bug: "pause only flips the reported status; the processes keep running",
    base: "reference",
    fails: ["lifecycle.pause-resume"],
    create: () => new PauseNoop(),
  },
  {
    bug: "duration.maxSeconds under 2 is raised to the backend's 60 s minimum",
    base: "reference",
    fails: ["lifecycle.duration-limit"],
    create: () =>
      wrapProvider(reference(), (inner) => ({
        provision: (spec, options) => {
          const max = spec.duration?.maxSeconds;
          return inner.provision(
            max !== undefined && max < 2 ? { ...spec, duration: { ...spec.duration, maxSeconds: 60 } } : spec,
            options,
          );
        },
      })),
  },
  {
    bug: "duration.maxSeconds is accepted and then ignored",
    base: "reference",
    fails: ["lifecycle.duration-limit", "lifecycle.duration-from-provision"],
    create: () =>
      wrapProvider(reference(), (inner) => ({
        provision: (spec, options) => {
          const { duration: _dropped, ...rest } = spec;
          return inner.provision(rest, options);
        },
      })),
  },
  {
    bug: "the duration timer is reset by each exec",
    base: "reference",
    fails: ["lifecycle.duration-from-provision"],
    create: () => resettingTimer("maxSeconds"),
  },
  {
    bug: "duration.idleSeconds is accepted and then ignored",
    base: "reference",
    fails: ["lifecycle.idle-timeout"],
    create: () =>
      wrapProvider(reference(), (inner) => ({
        provision: (spec, options) => {
          const { idleSeconds: _dropped, ...duration } = spec.duration ?? {};
          return inner.provision({ ...spec, duration }, options);
        },
      })),
  },
];
