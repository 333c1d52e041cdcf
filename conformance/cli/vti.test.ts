/**
 * The VT-i CLI as a user runs it: `node bin/vtspec.js ...` on the built package (npm test builds
 * first), as cli.test.ts does for VT-x. Covers item 5 of the VT-i issue and its acceptance item on
 * malformed state files: explain on the shipped examples (an intercept and an accelerated access,
 * naming the PSR.vm rule or the vac bit), one-line errors with the file and JSON path and exit status
 * 2, and the catalog listing the model's rules.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { VTI_RULES } from '../../spec/vti/machine/rules.js';

const run = (...args: string[]) => spawnSync(process.execPath, ['bin/vtspec.js', ...args], { encoding: 'utf8' });
const json = (...args: string[]) => JSON.parse(execFileSync(process.execPath, ['bin/vtspec.js', ...args], { encoding: 'utf8', maxBuffer: 64 << 20 }));

const explain = (file: string, ...more: string[]): string => {
  const r = run('explain', '--arch', 'vti', '--state', `examples/vti/${file}`, ...more);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return r.stdout;
};

/** A user error: exactly these lines on standard error, nothing on standard output, status 2. */
const bad = (args: string[], lines: RegExp[]) => {
  const r = run(...args);
  expect(r.stdout).toBe('');
  expect(r.stderr.split('\n').slice(0, -1)).toEqual(lines.map((l) => expect.stringMatching(l)));
  expect(r.status).toBe(2);
};

describe('vtspec explain --arch vti on the shipped examples', () => {
  test('VTI.INTERCEPT.MOV_FROM_CR: mov r35 = cr.pta with PSR.vm = 1 intercepts with cause 5, even with every vac acceleration set', () => {
    const out = explain('explain-mov-from-pta.json');
    expect(out).toMatch(/^instruction mov r35 = cr8 \(cr\.pta\) — guest: PSR\.vm = 1, cpl 0/);
    expect(out).toMatch(/^VTI\.INTERCEPT\.MOV_FROM_CR +Itanium SDM rev 2\.3 §11\.7\.3, Table 11-22 +mov r1 = cr: virtualization intercept, cause 5$/m);
    expect(out).toMatch(/^VTI\.INTERCEPT\.HANDOFF +.*GR24 = 5/m);
    expect(out).not.toMatch(/^VTI\.VAC\./m);
    expect(out).toMatch(/^outcome: virtualization intercept to 0xfffc000000106100, cause 5, opcode 0x[0-9a-f]+ \(EVENT_MOV_FROM_CR/m);
    expect(out).toMatch(/^intercepts: yes/m);
    // The state changes: the VMM's handler at host IVA + 0x6100 with PSR.vm = 0, the cause in GR24.
    expect(out).toMatch(/^ {2}ip: 0x400000 → 0xfffc000000106100$/m);
    expect(out).toMatch(/^ {2}gr\[24\]: 0x0 → 0x5$/m);
    expect(out).toMatch(/^permitted: only this outcome$/m);
  });

  test('VTI.VAC.a_from_int_cr: mov r35 = cr.iip in the guest\'s handler reads the VPD copy without an intercept', () => {
    const out = explain('explain-accelerated-iip.json');
    expect(out).toMatch(/^instruction mov r35 = cr19 \(cr\.iip\) — guest: PSR\.vm = 1/);
    expect(out).toMatch(/^VTI\.VAC\.a_from_int_cr +Itanium SDM rev 2\.3 §11\.7\.4\.2 \(vac bit 1\) +vac\.a_from_int_cr = 1: r35 = VPD vcr\[19\], no intercept$/m);
    expect(out).not.toMatch(/^VTI\.INTERCEPT\./m);
    expect(out).toMatch(/^outcome: executed, r1 = 0x400100$/m);
    expect(out).toMatch(/^intercepts: no$/m);
    expect(out).toMatch(/^ {2}gr\[35\]: 0x0 → 0x400100$/m);
  });

  test('--step overrides the file\'s step: with vac.a_from_int_cr the same file\'s cr.pta read still intercepts', () => {
    const out = explain('explain-accelerated-iip.json', '--step', '{"instruction": {"op": "mov-from-cr", "r1": "r35", "cr": "pta"}}');
    expect(out).toMatch(/^VTI\.INTERCEPT\.MOV_FROM_CR /m);
    expect(out).toMatch(/^intercepts: yes/m);
  });

  test('a state without a step (guest-state.json) runs the --step it is given; other permitted outcomes are listed', () => {
    const out = explain('guest-state.json', '--step', '{"instruction": {"op": "mov-from-cr", "r1": 35, "cr": "iip"}}');
    // vpsr.ic = 1 under the acceleration: Illegal Operation, the completed read also permitted.
    expect(out).toMatch(/^VTI\.MOV_CR\.INTERRUPTION_CR_IC /m);
    expect(out).toMatch(/^the architecture also permits:\n {2}executed, r1 = 0x400100, with the state:$/m);
  });

  test('--json: one object with the explanation, rules, outcome and changes', () => {
    const o = json('explain', '--arch', 'vti', '--state', 'examples/vti/explain-mov-from-pta.json', '--json');
    expect(o).toMatchObject({ arch: 'vti', intercepts: true, step: { instruction: { op: 'mov-from-cr', r1: 35, cr: 8 } } });
    expect(o.explanation[0]).toEqual({ rule: 'VTI.INTERCEPT.MOV_FROM_CR', section: 'Itanium SDM rev 2.3 §11.7.3, Table 11-22', verdict: expect.stringContaining('cause 5') });
    expect(o.rules).toContain('VTI.INTERCEPT.MOV_FROM_CR');
    expect(o.outcome.observation).toMatchObject({ kind: 'intercept', cause: 5, target: '0xfffc000000106100' });
    expect(o.outcome.changes).toContain('gr[24]: 0x0 vs 0x5');
    const a = json('explain', '--arch', 'vti', '--state', 'examples/vti/explain-accelerated-iip.json', '--json');
    expect(a).toMatchObject({ intercepts: false, outcome: { observation: { kind: 'executed', value: '0x400100' } } });
    expect(a.explanation.map((l: { rule: string }) => l.rule)).toEqual(['VTI.VAC.a_from_int_cr']);
  });

  test('every example state file with a step explains cleanly', () => {
    for (const f of readdirSync('examples/vti').filter((x) => x.startsWith('explain-'))) expect(explain(f), f).toMatch(/^outcome: /m);
  });
});

describe('malformed VT-i inputs: one line per problem naming the file and path, exit status 2', () => {
  test('examples/vti/malformed/bad-psr.json', () =>
    bad(['explain', '--arch', 'vti', '--state', 'examples/vti/malformed/bad-psr.json'],
      [/^vtspec: examples\/vti\/malformed\/bad-psr\.json: psr: expected a hex string like "0x1f", got "0x5010088260OO"$/]));
  test('a bad --step names the option and the path inside it', () =>
    bad(['explain', '--arch', 'vti', '--state', 'examples/vti/explain-mov-from-pta.json', '--step', '{"instruction": {"op": "mov-from-cr", "r1": 128, "cr": "pta"}}'],
      [/^vtspec: --step: instruction\.r1: expected a general register 0-127/]));
  test('--step that is not JSON', () =>
    bad(['explain', '--arch', 'vti', '--state', 'examples/vti/explain-mov-from-pta.json', '--step', '{"instruction"'], [/^vtspec: --step: not valid JSON: /]));
  test('a state file without a step, and no --step', () =>
    bad(['explain', '--arch', 'vti', '--state', 'examples/vti/guest-state.json'], [/^vtspec: examples\/vti\/guest-state\.json: no step to run: add "step"/]));
  test('a VT-x state file is not a VT-i one: its unknown keys are named', () => {
    const r = run('explain', '--arch', 'vti', '--state', 'examples/vtx/valid-64bit-guest.json');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^vtspec: examples\/vtx\/valid-64bit-guest\.json: \S+: unknown key/);
  });
  test('an unknown profile', () =>
    bad(['explain', '--arch', 'vti', '--state', 'examples/vti/explain-mov-from-pta.json', '--profile', 'nosuch'], [/^vtspec: --profile: unknown VT-i profile 'nosuch': use one of default, /]));
  test('a missing file', () =>
    bad(['explain', '--arch', 'vti', '--state', 'examples/vti/no-such.json'], [/^vtspec: examples\/vti\/no-such\.json: cannot read file \(no such file\)$/]));
});

describe('vtspec catalog --arch vti', () => {
  test('--json includes every VT-i rule with id, section and statement, and keeps the specification data', () => {
    const c = json('catalog', '--arch', 'vti', '--json');
    expect(c.arch).toBe('vti');
    expect(c.modelled).toBe(true);
    expect(c.rules.map((r: { id: string }) => r.id)).toEqual(Object.keys(VTI_RULES));
    for (const r of c.rules) expect(typeof r.section === 'string' && typeof r.statement === 'string' && typeof r.source === 'string', r.id).toBe(true);
    expect(c.rules.find((r: { id: string }) => r.id === 'VTI.VAC.a_from_int_cr')).toMatchObject({ kind: 'acceleration', section: expect.stringContaining('vac bit 1') });
    for (const k of ['psrBits', 'controlRegisters', 'ivtVectors', 'vpdFields', 'vacBits', 'vdcBits', 'palProcedures', 'palServices', 'interceptCauses']) {
      expect(c[k].length, k).toBeGreaterThan(0);
    }
  });

  test('text: the rules by kind, each with its section and statement; no "not built" wording', () => {
    const r = run('catalog', '--arch', 'vti');
    expect(r.status).toBe(0);
    expect(r.stdout).not.toMatch(/not built/);
    expect(r.stdout).toMatch(new RegExp(`^Rules of the model \\(${Object.keys(VTI_RULES).length}\\), by kind:$`, 'm'));
    expect(r.stdout).toMatch(/^ {2}VTI\.INTERCEPT\.MOV_FROM_CR +Itanium SDM rev 2\.3 §11\.7\.3, Table 11-22 +mov r1 = cr with PSR\.vm = 1 raises a virtualization intercept with cause 5/m);
    for (const id of Object.keys(VTI_RULES)) expect(r.stdout).toContain(`  ${id} `);
  });
});
