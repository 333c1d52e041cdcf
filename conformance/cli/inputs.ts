/** Reading what a user names on the command line: JSON files, state files, profiles. */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { isLeft } from 'fp-ts/lib/Either.js';
import type * as t from 'io-ts';
import { decodeProfile } from '../../spec/codec/profile.js';
import { formatErrors } from '../../spec/codec/report.js';
import { decodeStateFile, type StateFile } from '../../spec/codec/state.js';
import { BUILTIN_PROFILES, BUILTIN_PROFILE_NAMES } from '../../spec/vtx/profiles/index.js';
import type { VtxProfile } from '../../spec/vtx/profile.js';
import { fail } from './errors.js';

export const readJson = (path: string): unknown => {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return fail(`${path}: cannot read file${code === 'ENOENT' ? ' (no such file)' : code ? ` (${code})` : ''}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    return fail(`${path}: not valid JSON: ${(e as Error).message}`);
  }
};

/** At most this many problems are listed; a file that is wrong everywhere is usually the wrong file. */
const MAX_LINES = 8;

export const decodeOrFail = <A>(v: t.Validation<A>, inputName: string): A => {
  if (!isLeft(v)) return v.right;
  const lines = formatErrors(v.left, inputName);
  return fail(...lines.slice(0, MAX_LINES), ...(lines.length > MAX_LINES ? [`${inputName}: … and ${lines.length - MAX_LINES} more problems`] : []));
};

export const loadStateFile = (path: string): StateFile => decodeOrFail(decodeStateFile(readJson(path)), path);

/**
 * A built-in profile name, or a path to a profile JSON file. `from`: the state file that named it —
 * errors then point at its "profile" key, and a relative path is taken relative to that file.
 */
export const loadProfile = (nameOrFile: string, from?: string): VtxProfile => {
  if (nameOrFile in BUILTIN_PROFILES) return BUILTIN_PROFILES[nameOrFile as keyof typeof BUILTIN_PROFILES];
  if (!nameOrFile.endsWith('.json') && !nameOrFile.includes('/')) {
    const where = from === undefined ? '' : `${from}: profile: `;
    return fail(`${where}unknown profile '${nameOrFile}': use one of ${BUILTIN_PROFILE_NAMES.join(', ')}, or a path to a profile JSON file`);
  }
  const path = from === undefined || isAbsolute(nameOrFile) ? nameOrFile : join(dirname(from), nameOrFile);
  return decodeOrFail(decodeProfile(readJson(path)), path);
};

export const requireVtx = (arch: string | undefined): void => {
  if (arch === undefined || arch === 'vtx') return;
  fail(`--arch ${arch}: expected vtx or vti`);
};
