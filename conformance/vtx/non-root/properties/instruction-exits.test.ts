/**
 * Instruction exits decide exactly as the catalog states: for random VM-execution controls, CR0/CR4
 * guest/host masks and read shadows, CR3-target values, TPR threshold, I/O and MSR bitmaps, and a
 * random sensitive instruction at CPL 0 in 64-bit mode, the model exits — with the rule's basic exit
 * reason — iff the rule's condition holds. The conditions are re-stated here from the rows of
 * spec/vtx/non-root (unconditional.ts, instruction-controls.ts, control-registers.ts, io.ts, msr.ts),
 * independently of the model's code.
 */
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { CONTROLS, CONTROL_VECTORS, type ControlName } from '../../../../spec/vtx/controls.js';
import type { GuestInstruction } from '../../../../spec/vtx/guest/instructions.js';
import { BUILTIN_PROFILES } from '../../../../spec/vtx/profiles/index.js';
import { readField, type VtxState } from '../../../../spec/vtx/state.js';
import type { FieldName } from '../../../../spec/vtx/vmcs/fields.js';
import { decodeCapabilities } from '../../../../model/vtx/capabilities.js';
import { nonRootStep } from '../../../../model/vtx/non-root/step.js';
import { FC_PARAMS } from '../../properties/params.js';
import { GUEST_LAYOUT, nonRootBaseline, withCpu, withMemory, withVmcs } from '../baseline.js';

const PROFILE = BUILTIN_PROFILES['vtx-max'];
const CAPS = decodeCapabilities(PROFILE);
const BASE = nonRootBaseline(PROFILE);

const PRIMARY = [
  'proc.HLT_EXITING', 'proc.INVLPG_EXITING', 'proc.MWAIT_EXITING', 'proc.RDPMC_EXITING', 'proc.RDTSC_EXITING',
  'proc.CR3_LOAD_EXITING', 'proc.CR3_STORE_EXITING', 'proc.CR8_LOAD_EXITING', 'proc.CR8_STORE_EXITING', 'proc.USE_TPR_SHADOW',
  'proc.MOV_DR_EXITING', 'proc.UNCONDITIONAL_IO_EXITING', 'proc.USE_IO_BITMAPS', 'proc.USE_MSR_BITMAPS', 'proc.MONITOR_EXITING',
  'proc.PAUSE_EXITING', 'proc.ACTIVATE_SECONDARY_CONTROLS',
] as const satisfies readonly ControlName[];
const SECONDARY = [
  'proc2.DESCRIPTOR_TABLE_EXITING', 'proc2.ENABLE_RDTSCP', 'proc2.WBINVD_EXITING', 'proc2.RDRAND_EXITING', 'proc2.RDSEED_EXITING',
] as const satisfies readonly ControlName[];
type Ctl = (typeof PRIMARY)[number] | (typeof SECONDARY)[number];

const PORTS = [0x20, 0x5f, 0x60, 0x61, 0x7ffe, 0x7fff, 0x8000, 0x8001, 0xfffe, 0xffff];
const MSRS = [0x10, 0x174, 0x1fff, 0xc000_0080, 0xc000_0100, 0xc000_1fff];
const ECXS = [...MSRS, 0x2000, 0x4000_0000, 0xc000_2000, 0xffff_ffff];
const CR3S = [0x4000n, 0x8000n, 0x9000n];
const LOW_BITS = 0xfn | (1n << 5n) | (1n << 16n); // PE MP EM TS NE WP: enough to hit and miss the masks
const RAX = 0, RCX = 1, RDX = 2, RBX = 3;

const setup = fc.record({
  on: fc.subarray([...PRIMARY, ...SECONDARY] as Ctl[]),
  cr0Mask: fc.bigInt({ min: 0n, max: LOW_BITS }).map((v) => v & LOW_BITS),
  cr0Shadow: fc.bigInt({ min: 0n, max: 0xffff_ffffn }),
  cr4Mask: fc.constantFrom(0n, 1n << 13n, 1n << 5n, (1n << 13n) | (1n << 7n)),
  cr4Shadow: fc.constantFrom(0n, 0x20n, 0x2020n, 0x80n),
  targetCount: fc.integer({ min: 0, max: 4 }),
  targets: fc.tuple(...[0, 1, 2, 3].map(() => fc.constantFrom(...CR3S))),
  threshold: fc.integer({ min: 0, max: 15 }),
  ioBits: fc.subarray(PORTS),
  msrBits: fc.subarray(MSRS.flatMap((m) => [[m, 'read'], [m, 'write']] as const)),
});
type Setup = typeof setup extends fc.Arbitrary<infer T> ? T : never;

const value = fc.oneof(fc.constantFrom(0n, 2n, 6n, 0x10n, 0x8000_0031n, 0x8000_0039n, 0x8001_0031n, 0x2020n, 0x20n, ...CR3S), fc.bigInt({ min: 0n, max: 0xffff_ffffn }));

const instruction: fc.Arbitrary<{ readonly i: GuestInstruction; readonly regs: Record<number, bigint> }> = fc.oneof(
  fc.constantFrom<GuestInstruction>(
    { op: 'CPUID' }, { op: 'INVD' }, { op: 'HLT' }, { op: 'INVLPG', mem: { base: RBX, disp: 0n } }, { op: 'RDPMC' }, { op: 'RDTSC' },
    { op: 'RDTSCP' }, { op: 'MWAIT' }, { op: 'MONITOR' }, { op: 'PAUSE' }, { op: 'WBINVD' }, { op: 'RDRAND', dst: RAX },
    { op: 'RDSEED', dst: RAX }, { op: 'SGDT', mem: { base: RBX, disp: 8n } }, { op: 'STR', dst: RAX }, { op: 'SLDT', dst: RAX },
    { op: 'MOV_FROM_DR', dr: 7, dst: RAX }, { op: 'MOV_TO_DR', dr: 1, src: RAX }, { op: 'MOV_FROM_CR', cr: 3, dst: RAX },
    { op: 'MOV_FROM_CR', cr: 8, dst: RAX }, { op: 'MOV_FROM_CR', cr: 0, dst: RAX }, { op: 'CLTS' },
  ).map((i) => ({ i, regs: { [RBX]: 0x30000n } })),
  fc.record({ cr: fc.constantFrom(0, 3, 4, 8) as fc.Arbitrary<0 | 3 | 4 | 8>, v: value })
    .map(({ cr, v }) => ({ i: { op: 'MOV_TO_CR', cr, src: RAX } as GuestInstruction, regs: { [RAX]: v } })),
  value.map((v) => ({ i: { op: 'LMSW', src: RCX } as GuestInstruction, regs: { [RCX]: v } })),
  fc.record({ op: fc.constantFrom('IN' as const, 'OUT' as const), size: fc.constantFrom(1 as const, 2 as const, 4 as const), port: fc.constantFrom(...PORTS), dx: fc.boolean() })
    .map(({ op, size, port, dx }) => ({
      i: { op, size, port: dx || port > 0xff ? 'dx' : port } as GuestInstruction,
      regs: { [RDX]: BigInt(port) },
    })),
  fc.record({ op: fc.constantFrom('RDMSR' as const, 'WRMSR' as const), ecx: fc.constantFrom(...ECXS) })
    .map(({ op, ecx }) => ({ i: { op } as GuestInstruction, regs: { [RCX]: BigInt(ecx), [RAX]: 0n, [RDX]: 0n } })),
);

const field = (s: VtxState, f: FieldName): bigint => readField(s.vmcs.get(s.currentVmcs!)!.fields, f);

const build = (g: Setup, regs: Record<number, bigint>): VtxState => {
  let s = BASE;
  for (const name of g.on) {
    const c = CONTROLS[name];
    const f = CONTROL_VECTORS[c.vector].field as FieldName;
    s = withVmcs(s, { [f]: field(s, f) | (1n << BigInt(c.bit)) });
  }
  s = withVmcs(s, {
    CR0_GUEST_HOST_MASK: g.cr0Mask, CR0_READ_SHADOW: g.cr0Shadow, CR4_GUEST_HOST_MASK: g.cr4Mask, CR4_READ_SHADOW: g.cr4Shadow,
    CR3_TARGET_COUNT: BigInt(g.targetCount), CR3_TARGET_VALUE0: g.targets[0], CR3_TARGET_VALUE1: g.targets[1],
    CR3_TARGET_VALUE2: g.targets[2], CR3_TARGET_VALUE3: g.targets[3], TPR_THRESHOLD: BigInt(g.threshold),
  });
  const words = new Map<bigint, bigint>();
  const setBit = (base: bigint, n: number) => {
    const at = base + BigInt(Math.floor(n / 64) * 8);
    words.set(at, (words.get(at) ?? s.memory.get(at) ?? 0n) | (1n << BigInt(n % 64)));
  };
  for (const p of g.ioBits) setBit(p < 0x8000 ? GUEST_LAYOUT.ioBitmapA : GUEST_LAYOUT.ioBitmapB, p & 0x7fff);
  for (const [m, rw] of g.msrBits) setBit(GUEST_LAYOUT.msrBitmap + BigInt((rw === 'read' ? 0 : 2048) + (m >= 0xc000_0000 ? 1024 : 0)), m & 0x1fff);
  s = withMemory(s, words);
  return withCpu(s, { gpr: s.cpu.gpr.map((v, n) => regs[n] ?? v) });
};

/** The catalog's conditions, re-stated: the basic exit reason the instruction must cause, or null for none. */
const expectedExit = (g: Setup, i: GuestInstruction, regs: Record<number, bigint>): number | null => {
  const on = (c: Ctl): boolean =>
    g.on.includes(c) && (!c.startsWith('proc2.') || g.on.includes('proc.ACTIVATE_SECONDARY_CONTROLS'));
  const by = (c: Ctl, reason: number) => (on(c) ? reason : null);
  switch (i.op) {
    case 'CPUID': return 10; // EXIT.CPUID
    case 'INVD': return 13; // EXIT.INVD (CPL 0)
    case 'HLT': return by('proc.HLT_EXITING', 12);
    case 'INVLPG': return by('proc.INVLPG_EXITING', 14);
    case 'RDPMC': return by('proc.RDPMC_EXITING', 15);
    case 'RDTSC': return by('proc.RDTSC_EXITING', 16);
    case 'RDTSCP': return on('proc2.ENABLE_RDTSCP') && on('proc.RDTSC_EXITING') ? 51 : null; // else #UD or no exit
    case 'MWAIT': return by('proc.MWAIT_EXITING', 36);
    case 'MONITOR': return by('proc.MONITOR_EXITING', 39);
    case 'PAUSE': return by('proc.PAUSE_EXITING', 40); // PAUSE-loop exiting is never on here
    case 'WBINVD': return by('proc2.WBINVD_EXITING', 54);
    case 'RDRAND': return by('proc2.RDRAND_EXITING', 57);
    case 'RDSEED': return by('proc2.RDSEED_EXITING', 61);
    case 'SGDT': return by('proc2.DESCRIPTOR_TABLE_EXITING', 46);
    case 'STR': case 'SLDT': return by('proc2.DESCRIPTOR_TABLE_EXITING', 47);
    case 'MOV_FROM_DR': case 'MOV_TO_DR': return by('proc.MOV_DR_EXITING', 29);
    case 'CLTS': return (g.cr0Mask & g.cr0Shadow & 8n) !== 0n ? 28 : null;
    case 'LMSW': {
      const src = regs[RCX]! & 0xffffn;
      const m = g.cr0Mask & 0xfn;
      const pe = (m & 1n & src) !== 0n && (g.cr0Shadow & 1n) === 0n;
      return pe || (m & 0xen & (g.cr0Shadow ^ src)) !== 0n ? 28 : null;
    }
    case 'MOV_FROM_CR':
      if (i.cr === 3) return by('proc.CR3_STORE_EXITING', 28);
      if (i.cr === 8) return by('proc.CR8_STORE_EXITING', 28);
      return null; // CR0 reads never exit (CHANGED.CR0.READ)
    case 'MOV_TO_CR': {
      const src = regs[RAX]!;
      if (i.cr === 0) return ((src ^ g.cr0Shadow) & g.cr0Mask) !== 0n ? 28 : null;
      if (i.cr === 4) return ((src ^ g.cr4Shadow) & g.cr4Mask) !== 0n ? 28 : null;
      if (i.cr === 3) return on('proc.CR3_LOAD_EXITING') && !g.targets.slice(0, g.targetCount).includes(src) ? 28 : null;
      if (i.cr === 8) {
        if (on('proc.CR8_LOAD_EXITING')) return 28;
        // EXIT.TPR.BELOW.THRESHOLD after a valid (bits 63:4 clear) write of the TPR shadow.
        return on('proc.USE_TPR_SHADOW') && src >> 4n === 0n && src < BigInt(g.threshold) ? 43 : null;
      }
      return null;
    }
    case 'IN': case 'OUT': {
      const port = Number(regs[RDX]!);
      if (!on('proc.USE_IO_BITMAPS')) return by('proc.UNCONDITIONAL_IO_EXITING', 30);
      const touched = Array.from({ length: i.size }, (_, k) => port + k);
      return touched.some((p) => p > 0xffff || g.ioBits.includes(p)) ? 30 : null;
    }
    case 'RDMSR': case 'WRMSR': {
      const ecx = Number(regs[RCX]!);
      const reason = i.op === 'RDMSR' ? 31 : 32;
      if (!on('proc.USE_MSR_BITMAPS')) return reason;
      const inRange = ecx <= 0x1fff || (ecx >= 0xc000_0000 && ecx <= 0xc000_1fff);
      if (!inRange) return reason;
      return g.msrBits.some(([m, rw]) => m === ecx && rw === (i.op === 'RDMSR' ? 'read' : 'write')) ? reason : null;
    }
    default: return null;
  }
};

describe('instruction exits follow the catalog conditions', () => {
  test.prop([setup, instruction], FC_PARAMS(3000))('exits, with the rule\'s reason, iff the re-stated condition holds', (g, { i, regs }) => {
    const s = build(g, regs);
    // IN/OUT with an immediate port: the port in DX is not used, the immediate is.
    const effective = (i.op === 'IN' || i.op === 'OUT') && i.port !== 'dx' ? { ...regs, [RDX]: BigInt(i.port) } : regs;
    const o = nonRootStep(CAPS, s, { kind: 'instruction', instruction: i }).canonical.observation;
    const got = o.kind === 'vm-exit' ? o.exit.reason & 0xffff : null;
    expect(got).toBe(expectedExit(g, i, effective));
  });
});
