/**
 * The CLI as a user runs it: `node bin/vtspec.js ...` on the built package (npm test builds first).
 * Covers the acceptance items of the VT-x core issue: catalog JSON shape and completeness against the
 * facts digests, coverage with zero gaps, explain on the shipped examples, and clear errors on bad input.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, test } from 'vitest';

const run = (...args: string[]) => spawnSync(process.execPath, ['bin/vtspec.js', ...args], { encoding: 'utf8' });
const json = (...args: string[]) => JSON.parse(execFileSync(process.execPath, ['bin/vtspec.js', ...args], { encoding: 'utf8', maxBuffer: 64 << 20 }));

interface FactsIndex {
  vmcsEncodings: { encoding: string; access: 'full' | 'high' }[];
  controls: { vector: string; bit: number }[];
  exitReasons: number[];
  instructionErrors: number[];
  entryCheckIds: string[];
}
const facts: FactsIndex = JSON.parse(readFileSync('conformance/fixtures/facts-index.json', 'utf8'));

describe('vtspec catalog --arch vtx --json', () => {
  const c = json('catalog', '--arch', 'vtx', '--json');

  test('has the documented arrays, each entry check with id and section, each field with encoding and name', () => {
    for (const k of ['vmcsFields', 'controls', 'exitReasons', 'instructionErrors', 'entryChecks']) expect(Array.isArray(c[k]), k).toBe(true);
    for (const e of c.entryChecks) expect(typeof e.id === 'string' && typeof e.section === 'string').toBe(true);
    for (const f of c.vmcsFields) expect(typeof f.encoding === 'string' && typeof f.name === 'string').toBe(true);
  });

  test('holds every VMCS field of the facts (64-bit fields by their full encoding)', () => {
    const have = new Set(c.vmcsFields.map((f: { encoding: string }) => Number(f.encoding)));
    const missing = facts.vmcsEncodings.filter((f) => !have.has(Number(f.encoding) & (f.access === 'high' ? ~1 : ~0)));
    expect(missing).toEqual([]);
  });

  test('holds every control bit, exit reason and VM-instruction error of the facts', () => {
    const bits = new Set(c.controls.map((k: { vector: string; bit: number }) => `${k.vector}:${k.bit}`));
    expect(facts.controls.filter((k) => !bits.has(`${k.vector}:${k.bit}`))).toEqual([]);
    const reasons = new Set(c.exitReasons.map((r: { reason: number }) => r.reason));
    expect(facts.exitReasons.filter((r) => !reasons.has(r))).toEqual([]);
    const errors = new Set(c.instructionErrors.map((e: { number: number }) => e.number));
    expect(facts.instructionErrors.filter((n) => !errors.has(n))).toEqual([]);
  });

  test('holds every entry check of the facts: wildcard rows expanded, the unmodelled ones listed with a reason', () => {
    const ids = new Set(c.entryChecks.map((e: { id: string }) => e.id));
    const unmodelled = new Set(c.unmodelledEntryRules.map((r: { id: string }) => r.id));
    const missing = facts.entryCheckIds.filter((id) =>
      id.endsWith('.*') ? ![...ids].some((x) => (x as string).startsWith(id.slice(0, -1))) : !ids.has(id) && !unmodelled.has(id));
    expect(missing).toEqual([]);
    expect(c.entryChecks.length).toBeGreaterThan(150);
  });
});

test('vtspec coverage --json: every rule of every catalog in spec, model, reference CPU and tests; every exit reason in scope produced', () => {
  const r = run('coverage', '--json');
  const cov = JSON.parse(r.stdout) as { rules: { id: string; kind: string; spec: boolean; model: boolean; reference: boolean; tested: boolean; note?: string }[]; exitReasons: { reason: number; producedBy: string | null }[]; gaps: number };
  const catalog = json('catalog', '--json');
  const vti = json('catalog', '--arch', 'vti', '--json');
  const ids = new Set(cov.rules.map((x) => x.id));
  for (const id of [...catalog.entryChecks, ...catalog.instructionRules, ...catalog.nonRootRules, ...vti.rules].map((x: { id: string }) => x.id)) expect(ids.has(id), id).toBe(true);
  const gaps = cov.rules.filter((x) => !(x.spec && x.model && x.reference && x.tested) && !(x.note ?? '').startsWith('not modelled')).map((x) => x.id);
  expect(gaps).toEqual([]);
  expect(cov.exitReasons.filter((x) => x.producedBy === null)).toEqual([]);
  expect(cov.gaps).toBe(0);
  expect(r.status, r.stderr).toBe(0);
});

describe('vtspec explain on the shipped examples', () => {
  const explain = (file: string) => {
    const r = run('explain', '--arch', 'vtx', '--state', `examples/vtx/${file}`);
    expect(r.status, r.stderr).toBe(0);
    return r.stdout;
  };
  test('a valid 64-bit guest enters', () => {
    expect(explain('valid-64bit-guest.json')).toMatch(/^outcome: VM entry succeeded/m);
  });
  test('an unusable guest TR names the TR check with §26.3.1.2 and exit reason 33 with bit 31 set', () => {
    const out = explain('unusable-guest-tr.json');
    expect(out).toMatch(/^FAIL {2}GUEST\.SEG\.TR\.USABLE +§26\.3\.1\.2/m);
    expect(out).toMatch(/^outcome: VM-entry failure, exit reason 33 \(bit 31 set\)/m);
  });
  test('a reserved control bit and a bad host CR0 permit both error 7 and error 8', () => {
    expect(explain('reserved-control-and-bad-host-cr0.json')).toMatch(/^permitted \(any of\): VMfailValid\(7\) \| VMfailValid\(8\)$/m);
  });
  test('VMRESUME of a clear VMCS gives VMfailValid(5); VMLAUNCH of a launched one VMfailValid(4)', () => {
    expect(explain('vmresume-of-clear-vmcs.json')).toMatch(/^outcome: VMfailValid\(5\)$/m);
    expect(explain('vmlaunch-of-launched-vmcs.json')).toMatch(/^outcome: VMfailValid\(4\)$/m);
  });
  test('every other example enters (the examples directory is run in full)', () => {
    const special = ['unusable-guest-tr.json', 'reserved-control-and-bad-host-cr0.json', 'vmresume-of-clear-vmcs.json', 'vmlaunch-of-launched-vmcs.json'];
    const valid = readdirSync('examples/vtx').filter((f) => f.endsWith('.json') && !special.includes(f));
    expect(valid.length).toBeGreaterThanOrEqual(4);
    for (const f of valid) expect(explain(f), f).toMatch(/^outcome: VM entry succeeded/m);
  });
});

describe('bad input: one line naming the file and the path inside it, exit status 2, no stack trace', () => {
  const bad = (args: string[], message: RegExp) => {
    const r = run(...args);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  };
  const state = (f: string) => ['explain', '--state', `examples/vtx/malformed/${f}`];
  test('wrong type', () => bad(state('wrong-type.json'), /^vtspec: examples\/vtx\/malformed\/wrong-type\.json: cpu\.cpl: expected an integer from 0 to 3, got "zero"\n$/));
  test('unknown field name', () => bad(state('unknown-field-name.json'), /^vtspec: \S+unknown-field-name\.json: vmcs\.0x2000\.fields\.GUEST_TR_ACCESS_RIGHTS: unknown VMCS field/));
  test('value wider than its field', () => bad(state('value-wider-than-field.json'), /^vtspec: \S+: vmcs\.0x2000\.fields\.GUEST_TR_AR_BYTES: expected 32-bit value, got 0x100000000\n$/));
  test('not JSON', () => bad(state('not-json.json'), /^vtspec: \S+not-json\.json: not valid JSON/));
  test('missing file', () => bad(['explain', '--state', 'no/such/file.json'], /^vtspec: no\/such\/file\.json: cannot read file \(no such file\)\n$/));
  test('malformed profile file', () =>
    bad(['explain', '--state', 'examples/vtx/valid-64bit-guest.json', '--profile', 'examples/vtx/malformed/broken-profile.json'], /^vtspec: \S+broken-profile\.json: colour: unknown key/));
  test('unknown profile name', () => bad(['explain', '--state', 'examples/vtx/valid-64bit-guest.json', '--profile', 'nosuch'], /unknown profile 'nosuch'/));
  test('VT-i explain of a VT-x state file: the path of the first mismatch, status 2', () => bad(['explain', '--arch', 'vti', '--state', 'examples/vtx/valid-64bit-guest.json'], /valid-64bit-guest\.json: /));
});

test('a profile file round-trips through explain --profile', () => {
  const r = run('explain', '--state', 'examples/vtx/valid-64bit-guest.json', '--profile', 'examples/profiles/bochs-sandy-bridge.json');
  expect(r.status, r.stderr).toBe(0);
  expect(r.stdout).toMatch(/on profile bochs-sandy-bridge/);
});

test('vtspec catalog --arch vti --json: the VT-i specification data, every row with its source', () => {
  const c = json('catalog', '--arch', 'vti', '--json');
  expect(c.arch).toBe('vti');
  for (const k of ['psrBits', 'controlRegisters', 'ivtVectors', 'vpdFields', 'vacBits', 'vdcBits', 'palProcedures', 'palServices', 'interceptCauses']) {
    expect(c[k].length, k).toBeGreaterThan(0);
    for (const row of c[k]) expect(typeof row.source, `${k} row without source`).toBe('string');
  }
  expect(c.psrBits.some((b: { name: string }) => b.name === 'vm')).toBe(true);
});
