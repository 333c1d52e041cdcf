/**
 * `vtspec gen --arch vtx --profile P --seed S [--count N] [--shard K/N] --out suite.jsonl`: a
 * coverage-directed conformance suite (format v1), then its coverage report. Same seed and version,
 * same bytes.
 */
import { openSync, writeSync, closeSync } from 'node:fs';
import { encodeVector } from '../../../spec/vector/v1.js';
import { BUILTIN_PROFILE_NAMES, DEFAULT_PROFILE, type BuiltinProfileName } from '../../../spec/vtx/profiles/index.js';
import { generateSuite, inShard } from '../../vtx/suite/generate.js';
import { fail } from '../errors.js';
import { requireVtx } from '../inputs.js';
import { jsonReplacer } from '../json.js';
import { parseShard } from '../shard.js';
import { requireWritable } from '../outputs.js';

/** VMXON in VMX root operation always fails (§30.3 VMXON): the rule has no case in which it holds. */
const NEVER_HOLDS: ReadonlySet<string> = new Set(['VMXON.ROOT']);

/** "  vtx-max (48): A, B, C, …" — one line per profile. */
const byProfile = (m: ReadonlyMap<string, string>): string[] => {
  const groups = new Map<string, string[]>();
  for (const [id, p] of m) groups.set(p, [...(groups.get(p) ?? []), id]);
  return [...groups].map(([p, ids]) => `    ${p} (${ids.length}): ${ids.join(', ')}`);
};

export interface GenOptions { arch?: string; profile?: string; seed: string; count: string; out?: string; shard?: string; json?: boolean }

export const genCommand = (o: GenOptions): void => {
  requireVtx(o.arch);
  const profile = (o.profile ?? DEFAULT_PROFILE) as BuiltinProfileName;
  if (!BUILTIN_PROFILE_NAMES.includes(profile)) fail(`unknown profile '${o.profile}': use one of ${BUILTIN_PROFILE_NAMES.join(', ')}`);
  const seed = Number(o.seed);
  const count = Number(o.count);
  if (!Number.isSafeInteger(seed) || seed < 0) fail(`--seed ${o.seed}: expected a non-negative integer`);
  if (!Number.isSafeInteger(count) || count < 0) fail(`--count ${o.count}: expected a non-negative integer`);
  const shard = parseShard(o.shard);
  if (o.out !== undefined) requireWritable(o.out, '--out');

  const { vectors, coverage } = generateSuite({ profile, seed, count });
  const chosen = shard ? vectors.filter((v) => inShard(v.id, shard)) : vectors;
  const lines = chosen.map((v) => `${JSON.stringify(encodeVector(v))}\n`);
  if (o.out === undefined) {
    for (const l of lines) process.stdout.write(l);
  } else {
    let fd: number;
    try {
      fd = openSync(o.out, 'w');
    } catch (e) {
      return fail(`${o.out}: cannot write (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    for (const l of lines) writeSync(fd, l);
    closeSync(fd);
  }

  const rules = [...coverage.rules];
  // The `.OK` instruction rules are outcomes of success: they can be satisfied, not violated.
  const notViolated = rules.filter(([id, t]) => t.violated === 0 && !id.endsWith('.OK')).map(([id]) => id);
  const notSatisfied = rules.filter(([id, t]) => t.satisfied === 0 && !NEVER_HOLDS.has(id)).map(([id]) => id);
  const report = {
    profile, seed, vectors: vectors.length, written: chosen.length, shard: o.shard ?? null,
    rules: rules.length, notViolated, notSatisfied,
    otherProfile: Object.fromEntries(coverage.otherProfile),
    instructionErrors: [...coverage.instructionErrors].sort((a, b) => a - b),
    exitReasons: [...coverage.exitReasons].sort((a, b) => a - b),
  };
  const out = o.out === undefined ? process.stderr : process.stdout;
  if (o.json) {
    out.write(`${JSON.stringify(report, jsonReplacer, 2)}\n`);
  } else {
    out.write([
      `suite: ${vectors.length} vectors on ${profile} (seed ${seed})${shard ? `, shard ${o.shard}: ${chosen.length} written` : ''}${o.out ? ` → ${o.out}` : ''}`,
      `rules: ${rules.length}; violated at least once: ${rules.length - notViolated.length}; satisfied at least once: ${rules.length - notSatisfied.length}`,
      ...(notViolated.length ? [`  never violated: ${notViolated.join(', ')}`] : []),
      ...(notSatisfied.length ? [`  never satisfied: ${notSatisfied.join(', ')}`] : []),
      ...(coverage.otherProfile.size ? ['  violated only on another profile (the suite\'s profile cannot reach them):', ...byProfile(coverage.otherProfile)] : []),
      `VM-instruction errors covered: ${report.instructionErrors.join(', ')}`,
      `basic exit reasons covered: ${report.exitReasons.join(', ')}`,
    ].join('\n') + '\n');
  }
};
