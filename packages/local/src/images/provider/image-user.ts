import { constants } from "node:fs";
import { lstat, readFile } from "node:fs/promises";
import path from "node:path";
import { InvalidArgumentError } from "@openlattice/core";

/** The uid and gid a sandbox of an image runs as, inside its user namespace. */
export interface ImageUser {
  readonly uid: number;
  readonly gid: number;
}

const MAX_ID = 65_535;

/**
 * Resolves an image config's `User` (`""`, `name`, `uid`, `name:group`, `uid:gid`) against the
 * image's own `/etc/passwd` and `/etc/group`, as Docker does: an empty user is root. Names the
 * image does not define fail `invalid_argument` on `runtime.image`; ids above 65535 are refused
 * (the sandbox maps a single id and keeps ids in the traditional range).
 */
export async function resolveImageUser(user: string, rootfsDir: string, reference: string): Promise<ImageUser> {
  if (user === "") return { uid: 0, gid: 0 };
  const colon = user.indexOf(":");
  const name = colon >= 0 ? user.slice(0, colon) : user;
  const group = colon >= 0 ? user.slice(colon + 1) : undefined;
  let uid: number;
  let gid: number | undefined;
  if (/^\d+$/.test(name)) {
    uid = Number(name);
    gid = (await lookup(rootfsDir, "passwd", (fields) => fields[2] === name))?.[3];
  } else {
    const entry = await lookup(rootfsDir, "passwd", (fields) => fields[0] === name);
    if (!entry) throw bad(reference, `its user ${JSON.stringify(name)} is not in the image's /etc/passwd`);
    uid = entry[2] ?? Number.NaN;
    gid = entry[3];
  }
  if (group !== undefined && group !== "") {
    if (/^\d+$/.test(group)) gid = Number(group);
    else {
      const entry = await lookup(rootfsDir, "group", (fields) => fields[0] === group);
      if (!entry) throw bad(reference, `its group ${JSON.stringify(group)} is not in the image's /etc/group`);
      gid = entry[2];
    }
  }
  const resolved = { uid, gid: gid === undefined || Number.isNaN(gid) ? uid : gid };
  if (!(resolved.uid <= MAX_ID && resolved.gid <= MAX_ID)) {
    throw bad(reference, `its user ${JSON.stringify(user)} has no valid id (0 to ${MAX_ID})`);
  }
  return resolved;
}

/** The numeric fields (uid/gid at 2 and 3 for passwd, gid at 2 for group) of the first matching line. */
async function lookup(
  rootfsDir: string,
  file: "passwd" | "group",
  match: (fields: string[]) => boolean,
): Promise<number[] | undefined> {
  // The file is the image's: read it as data, never through a symlink out of the rootfs.
  const etc = path.join(rootfsDir, "etc");
  if (!(await lstat(etc).catch(() => undefined))?.isDirectory()) return undefined;
  const text = await readFile(path.join(etc, file), {
    encoding: "utf8",
    flag: constants.O_RDONLY | constants.O_NOFOLLOW,
  }).catch(() => "");
  for (const line of text.split("\n")) {
    const fields = line.split(":");
    if (fields.length < 3 || !match(fields)) continue;
    return fields.map((field) => (/^\d+$/.test(field) ? Number(field) : Number.NaN));
  }
  return undefined;
}

function bad(reference: string, why: string): InvalidArgumentError {
  return new InvalidArgumentError("runtime.image", `image ${reference} cannot run: ${why}`, {
    provider: "local",
    details: { reference },
  });
}
