import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";

/** A command as the docs write it, and where. */
export interface DocCommand {
  /** Repository-relative path of the markdown file. */
  readonly file: string;
  /** 1-based line number. */
  readonly line: number;
  /** The command exactly as written (a fenced line without its trailing `# comment`, or a code span). */
  readonly command: string;
}

/** What counts as a command to run, in every markdown file: the pinned pnpm. */
export const COMMAND_PREFIX = "npx -y pnpm@10.34.9";
/**
 * In the guides under docs/ also the conformance CLI as a provider author runs it from their
 * own project (the test runs it in such a project, made for the purpose).
 */
export const GUIDE_PREFIX = "npx openlattice-conformance";

/** Folders never scanned: installed packages, build output, generated API pages, reports. */
const SKIPPED_DIRS = new Set(["node_modules", ".git", "dist", "reports", "coverage", "api"]);

/** Every markdown file under `root`, repository-relative and sorted. */
export function markdownFiles(root: string, dir = ""): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const relative = path.posix.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!SKIPPED_DIRS.has(entry.name)) files.push(...markdownFiles(root, relative));
    } else if (entry.name.endsWith(".md")) files.push(relative);
  }
  return files.sort();
}

/** A bare prefix, or one followed only by an ellipsis, names the form in prose: not a command. */
function isCommand(text: string, file: string): boolean {
  const bare = text.replace(/\s*(…|\.\.\.)$/, "");
  if (bare === COMMAND_PREFIX || bare === GUIDE_PREFIX) return false;
  return text.includes(COMMAND_PREFIX) || (file.startsWith("docs/") && text.startsWith(GUIDE_PREFIX));
}

/**
 * The commands a markdown text gives: each line of a fenced block that contains a command
 * prefix (a leading `$ ` prompt and a trailing ` # comment` removed), and each inline code span
 * that contains one. Anything else in the text is prose.
 */
export function extractCommands(markdown: string, file: string): DocCommand[] {
  const commands: DocCommand[] = [];
  let fence: string | undefined;
  markdown.split("\n").forEach((text, index) => {
    const line = index + 1;
    const marker = /^\s*(`{3,}|~{3,})/.exec(text)?.[1];
    if (marker && (fence === undefined || marker.startsWith(fence))) {
      fence = fence === undefined ? marker : undefined;
      return;
    }
    if (fence !== undefined) {
      const command = text
        .replace(/^\s*\$\s+/, "")
        .replace(/\s+#\s.*$/, "")
        .trim();
      if (isCommand(command, file)) commands.push({ file, line, command });
      return;
    }
    for (const span of text.matchAll(/(`+)(.+?)\1/g)) {
      const command = (span[2] as string).trim();
      if (isCommand(command, file)) commands.push({ file, line, command });
    }
  });
  return commands;
}

/** Every command in every markdown file under `root`. */
export function documentedCommands(root: string): DocCommand[] {
  return markdownFiles(root).flatMap((file) => extractCommands(readFileSync(path.join(root, file), "utf8"), file));
}

/**
 * `pnpm <script> -- --flag` written anywhere in the docs: pnpm 10 forwards the `--` to the
 * script, so such a command only works if the script happens to tolerate it. Never document it.
 */
export function forwardedDoubleDash(markdown: string): number[] {
  return markdown
    .split("\n")
    .flatMap((text, index) => (/\bpnpm(@\S+)?\s[^`\n]*?\s--\s+-/.test(text) ? [index + 1] : []));
}
