/** Output files a user names: checked before a long run starts, so a typo costs nothing. */
import { appendFileSync, closeSync, existsSync, openSync, statSync } from 'node:fs';
import { fail } from './errors.js';

/**
 * The file can be written, or the run stops with the reason. `append`: kept and appended to (a resumed
 * results file); otherwise it is emptied now, so that a new run's results never mix with an old one's.
 */
export const requireWritable = (path: string, option: string, append = false): void => {
  if (existsSync(path) && statSync(path).isDirectory()) fail(`${option} ${path}: is a directory, expected a file`);
  try {
    if (append) appendFileSync(path, '');
    else closeSync(openSync(path, 'w'));
  } catch (e) {
    fail(`${option} ${path}: cannot write (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
};
