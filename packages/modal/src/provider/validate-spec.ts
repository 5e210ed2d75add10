import { InvalidArgumentError, NotFoundError, UnsupportedError } from "@openlattice/core";

/**
 * Checks the SDK would make only after the first RPCs (image build, secret hydration), made
 * here first, so that a bad spec or exec fails with `invalid_argument` naming the field before
 * any call reaches Modal.
 */

/** The SDK's `ENV_VAR_KEY_REGEX`: letters, digits and `_`, not starting with a digit. */
const ENV_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
/** The SDK's `APP_ID_PATTERN`: an object name may not look like an App id. */
const APP_ID = /^ap-[a-zA-Z0-9]{22}$/;

/** Throws for the first environment variable name Modal refuses, naming `field["NAME"]`. */
export function checkEnvNames(env: Readonly<Record<string, string>> | undefined, field: string): void {
  for (const name of Object.keys(env ?? {})) {
    if (!ENV_NAME.test(name)) {
      throw new InvalidArgumentError(
        `${field}[${JSON.stringify(name)}]`,
        `${JSON.stringify(name)} is not a name Modal accepts for an environment variable: use letters, digits and _, not starting with a digit`,
        { provider: "modal" },
      );
    }
  }
}

/** Throws when a sandbox name is one Modal refuses (it may not look like an App id). */
export function checkSandboxName(name: string | undefined): void {
  if (name !== undefined && APP_ID.test(name)) {
    throw new InvalidArgumentError("name", "must not look like a Modal App id (ap- followed by 22 characters)", {
      provider: "modal",
    });
  }
}

/** Throws `unsupported` for a resource Modal sandboxes cannot be given (accepting and ignoring it would lie). */
export function checkResources(resources: { readonly diskMiB?: number } | undefined): void {
  if (resources?.diskMiB !== undefined) {
    throw new UnsupportedError(
      "resources.diskMiB",
      "Modal sandboxes have no configurable disk size; leave resources.diskMiB out",
      {
        provider: "modal",
      },
    );
  }
}

/**
 * Throws `not_found` for a snapshot id that cannot be a Modal image id (`im-…`): restoring it
 * would otherwise be taken for a registry image reference and start some other image.
 */
export function checkSnapshotImageId(externalId: string): void {
  if (!externalId.startsWith("im-")) {
    throw new NotFoundError(`no Modal snapshot ${JSON.stringify(externalId)}: snapshot ids are image ids (im-…)`, {
      provider: "modal",
      details: { externalId },
    });
  }
}
