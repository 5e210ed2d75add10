/**
 * Parses a CLI's arguments with `parse`. Returns the values, or the exit code to end with: 2
 * after printing the problem and the usage for bad arguments, 0 after printing the usage for
 * `--help`.
 */
export function parseOrUsage<T extends { help?: boolean }>(
  argv: readonly string[],
  parse: (argv: readonly string[]) => { values: T },
  usage: string,
): { values: T } | { exitCode: number } {
  let values: T;
  try {
    values = parse(argv).values;
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${usage}\n`);
    return { exitCode: 2 };
  }
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    return { exitCode: 0 };
  }
  return { values };
}
