import { isRight } from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { NonRootInputCodec } from '../codec/guest-input.js';
import type { VtiStepInput } from '../vti/machine/events.js';
import { describeVtiInstruction, type VtiInstruction, type VtiOp } from '../vti/machine/instructions.js';
import { describeVtiStep, describeVtxStep } from './asm.js';
import { catalogOf, isRule } from './catalogs.js';
import { CHALLENGES, CHALLENGE_IDS, statedFor, type ChallengeSpec } from './challenges.js';
import { PAPER_CLAIMS, PAPER_SECTIONS } from './sections.js';

const all = CHALLENGE_IDS.map((id) => [id, CHALLENGES[id] as ChallengeSpec] as const);

/** Operand kinds of each VT-i op (spec/vti/machine/instructions.ts): a register file and its size, a range, or a set. */
type Kind = readonly ['reg', number] | readonly ['int', number, number] | readonly ['one-of', readonly (string | number)[]] | readonly ['u64'];
const GR: Kind = ['reg', 128], BR: Kind = ['reg', 8], PR: Kind = ['reg', 64], AREG: Kind = ['reg', 128], CREG: Kind = ['reg', 128];
const U64: Kind = ['u64'];
const of = (...v: (string | number)[]): Kind => ['one-of', v];
const int = (lo: number, hi: number): Kind => ['int', lo, hi];
const SIDE = of('i', 'd');
const VTI_OPERANDS = {
  'mov-to-cr': { cr: CREG, r2: GR }, 'mov-from-cr': { r1: GR, cr: CREG }, 'mov-to-psr-l': { r2: GR }, 'mov-to-psr-um': { r2: GR },
  'mov-from-psr': { r1: GR }, 'mov-from-psr-um': { r1: GR }, ssm: { imm24: int(0, 0xff_ffff) }, rsm: { imm24: int(0, 0xff_ffff) },
  rfi: {}, bsw: { bank: of(0, 1) }, cover: {}, thash: { r1: GR, r3: GR }, ttag: { r1: GR, r3: GR }, tpa: { r1: GR, r3: GR },
  tak: { r1: GR, r3: GR }, 'mov-from-cpuid': { r1: GR, r3: GR }, itc: { side: SIDE, r2: GR }, itr: { side: SIDE, r3: GR, r2: GR },
  ptc: { scope: of('l', 'g', 'ga'), r3: GR, r2: GR }, 'ptc-e': { r3: GR }, ptr: { side: SIDE, r3: GR, r2: GR },
  'mov-to-ind': { file: of('rr', 'pkr', 'ibr', 'dbr', 'pmc', 'pmd'), r3: GR, r2: GR },
  'mov-from-ind': { file: of('rr', 'pkr', 'ibr', 'dbr', 'pmc', 'pmd'), r1: GR, r3: GR }, 'mov-to-ar': { ar: AREG, r2: GR },
  'mov-to-ar-imm': { ar: AREG, imm8: int(-128, 127) }, 'mov-from-ar': { r1: GR, ar: AREG }, vmsw: { to: of(0, 1) },
  probe: { access: of('r', 'w'), r1: GR, r3: GR, r2: GR }, 'br-call': { b1: BR, target: U64 }, 'br-ret': { b2: BR },
  'br-cond': { qp: PR, target: U64 }, alloc: { r1: GR, sof: int(0, 96), sol: int(0, 96) }, 'mov-to-br': { b1: BR, r2: GR },
  'mov-from-br': { r1: GR, b2: BR }, 'mov-imm': { r1: GR, imm: U64 }, add: { r1: GR, r2: GR, r3: GR }, ld8: { r1: GR, r3: GR },
  st8: { r3: GR, r2: GR }, cmp: { relation: of('eq', 'ne', 'lt', 'ltu'), p1: PR, p2: PR, r2: GR, r3: GR }, nop: {},
  break: { imm21: int(0, 0x1f_ffff) },
} as const satisfies Record<VtiOp, Record<string, Kind>>;

const fits = (k: Kind, v: unknown): boolean => {
  switch (k[0]) {
    case 'reg': return Number.isInteger(v) && (v as number) >= 0 && (v as number) < k[1];
    case 'int': return Number.isInteger(v) && (v as number) >= k[1] && (v as number) <= k[2];
    case 'one-of': return k[1].includes(v as string | number);
    case 'u64': return typeof v === 'bigint' && v >= 0n && v < 1n << 64n;
  }
};

/** Why a VT-i instruction is not well-formed, or null. */
const vtiProblem = (i: VtiInstruction): string | null => {
  const shape = (VTI_OPERANDS as Record<string, Record<string, Kind> | undefined>)[i.op];
  if (shape === undefined) return `unknown op ${i.op}`;
  const keys = Object.keys(i).filter((k) => k !== 'op').sort();
  if (keys.join() !== Object.keys(shape).sort().join()) return `${i.op}: operands ${keys.join()} instead of ${Object.keys(shape).join()}`;
  const bad = Object.entries(shape).find(([k, kind]) => !fits(kind, (i as unknown as Record<string, unknown>)[k]));
  return bad === undefined ? null : `${i.op}.${bad[0]} out of range`;
};

const vtiStepProblem = (s: VtiStepInput): string | null =>
  s.kind === 'instruction' ? vtiProblem(s.instruction)
    : s.kind === 'event' ? (s.event.kind === 'external-interrupt' && !(s.event.vector >= 0 && s.event.vector <= 255) ? 'bad vector' : null)
      : 'a PAL call is VMM code, not a guest step';

describe('the eight challenges', () => {
  it('are the eight challenge claims, in the paper\'s order, under the paper\'s titles', () => {
    expect(CHALLENGE_IDS).toEqual(Object.entries(PAPER_CLAIMS).filter(([, c]) => c.kind === 'challenge').map(([id]) => id));
    expect(all.map(([, c]) => c.title)).toEqual([
      'Ring Aliasing', 'Address-Space Compression', 'Non-Faulting Access to Privileged State', 'Adverse Impact on Guest System Calls',
      'Interrupt Virtualization', 'Access to Hidden State', 'Ring Compression', 'Frequent Access to Privileged Resources',
    ]);
    for (const [id, c] of all) {
      expect(PAPER_SECTIONS[c.section].title, id).toBe(c.title);
      expect(PAPER_CLAIMS[id].section, id).toBe(c.section);
    }
  });

  it('are stated for the architectures the claim names: VT-x only for system calls and ring compression', () => {
    for (const [id, c] of all) expect(statedFor(c), id).toBe(PAPER_CLAIMS[id].architecture);
    expect(all.filter(([, c]) => statedFor(c) !== 'both').map(([id]) => id))
      .toEqual(['PAPER.CHALLENGE.GUEST-SYSCALLS', 'PAPER.CHALLENGE.RING-COMPRESSION']);
  });

  it('each solution rests on existing rules of its own architecture and is stated in the solving section', () => {
    for (const [id, c] of all) {
      for (const [arch, s] of [['vtx', c.vtx], ['vti', c.vti]] as const) {
        if (s === null) continue;
        expect(s.removedBy.filter((r) => catalogOf(r) === null), `${id} ${arch}: unknown rules`).toEqual([]);
        expect(s.removedBy.some(isRule), `${id} ${arch}: a rule, not only controls`).toBe(true);
        expect(s.removedBy.every((r) => (catalogOf(r) === 'vti') === (arch === 'vti')), `${id} ${arch}: rules of the other architecture`).toBe(true);
        expect(PAPER_SECTIONS[s.section].parent, `${id} ${arch}`).toBe('SOLVING');
      }
    }
  });

  it('every VT-x counterexample is a well-typed non-root program (it survives the guest-input codec)', () => {
    for (const [id, c] of all) {
      if (c.vtx === null) continue;
      const p = c.vtx.counterexample.program;
      expect(p.length, id).toBeGreaterThan(0);
      for (const step of p) {
        const decoded = NonRootInputCodec.decode(NonRootInputCodec.encode(step));
        expect(isRight(decoded), `${id}: ${describeVtxStep(step)}`).toBe(true);
        if (isRight(decoded)) expect(decoded.right, id).toEqual(step);
      }
    }
  });

  it('every VT-i counterexample is a well-formed program of guest instructions and events', () => {
    for (const [id, c] of all) {
      if (c.vti === null) continue;
      const p = c.vti.counterexample.program;
      expect(p.length, id).toBeGreaterThan(0);
      expect(p.map(vtiStepProblem).filter((x) => x !== null), id).toEqual([]);
      for (const s of p) if (s.kind === 'instruction') expect(describeVtiInstruction(s.instruction)).toBe(describeVtiStep(s));
    }
  });

  it('the expected minimal counterexamples are the ones the paper and the manuals point to', () => {
    const text = (id: (typeof CHALLENGE_IDS)[number]) => {
      const c = CHALLENGES[id] as ChallengeSpec;
      return [c.vtx?.counterexample.program.map(describeVtxStep).join('; ') ?? null, c.vti?.counterexample.program.map(describeVtiStep).join('; ') ?? null];
    };
    expect(Object.fromEntries(CHALLENGE_IDS.map((id) => [id, text(id)]))).toEqual({
      'PAPER.CHALLENGE.RING-ALIASING': ['push cs', 'br.call b0 = 0x400010'],
      'PAPER.CHALLENGE.ADDRESS-SPACE-COMPRESSION': ['mov eax, dword [rax + 0xffc00000]', 'movl r2 = 0xfffc000000100000; ld8 r8 = [r2]'],
      'PAPER.CHALLENGE.NONFAULTING-ACCESS': ['sgdt [rax + 0x2100]', 'thash r8 = r0'],
      'PAPER.CHALLENGE.GUEST-SYSCALLS': ['sysenter', null],
      'PAPER.CHALLENGE.INTERRUPT-VIRTUALIZATION': ['popf', 'mov r8 = psr'],
      'PAPER.CHALLENGE.HIDDEN-STATE': ['mov dword [rax + 0x1014], eax; cli; mov ecx, dword [rax + 0x2000]', '<external interrupt 0x30>'],
      'PAPER.CHALLENGE.RING-COMPRESSION': ['mov qword [rax + 0x5000], rax', null],
      'PAPER.CHALLENGE.FREQUENT-ACCESS': ['mov cr8, rax', 'mov r8 = cr19'],
    });
  });

  it('ring compression and the CR8 counterexample apply to 0/3/3 only; the others to both models', () => {
    const models = all.flatMap(([id, c]) => [
      ...(c.vtx === null ? [] : [`${id} vtx ${c.vtx.counterexample.models.join(',')}`]),
      ...(c.vti === null ? [] : [`${id} vti ${c.vti.counterexample.models.join(',')}`]),
    ]).filter((s) => !s.endsWith('0/1/3,0/3/3'));
    expect(models).toEqual(['PAPER.CHALLENGE.RING-COMPRESSION vtx 0/3/3', 'PAPER.CHALLENGE.FREQUENT-ACCESS vtx 0/3/3']);
  });

  it('64-bit-only instructions are in 64-bit guests and PUSH CS in a 32-bit one', () => {
    const mode = (id: (typeof CHALLENGE_IDS)[number]) => (CHALLENGES[id] as ChallengeSpec).vtx?.counterexample.mode;
    expect(mode('PAPER.CHALLENGE.RING-ALIASING')).toBe('protected');
    expect(mode('PAPER.CHALLENGE.FREQUENT-ACCESS')).toBe('ia32e');
    expect(mode('PAPER.CHALLENGE.RING-COMPRESSION')).toBe('ia32e');
  });
});
