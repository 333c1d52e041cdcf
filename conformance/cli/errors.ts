/**
 * Errors that reach a user: one line naming the input and what was wrong, exit status 2, no stack
 * trace. Anything else is a bug in vtspec and is reported as such (status 70, stack only with
 * VTSPEC_DEBUG=1).
 */
export class UsageError extends Error {
  constructor(readonly lines: readonly string[]) {
    super(lines.join('\n'));
  }
}

export const fail = (...lines: string[]): never => {
  throw new UsageError(lines);
};

export const reportAndExit = (err: unknown): never => {
  if (err instanceof UsageError) {
    for (const line of err.lines) process.stderr.write(`vtspec: ${line}\n`);
    process.exit(2);
  }
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`vtspec: internal error: ${message}\n`);
  if (process.env['VTSPEC_DEBUG'] === '1' && err instanceof Error) process.stderr.write(`${err.stack}\n`);
  else process.stderr.write('vtspec: this is a bug in vtspec; rerun with VTSPEC_DEBUG=1 for details and report it\n');
  process.exit(70);
};
