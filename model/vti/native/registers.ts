/**
 * Moves of the register files with nothing virtualized: the indirect files rr/pkr/ibr/dbr/pmc/pmd
 * (SDM 3:180), the application registers (mov ar), and the CPUID registers.
 */
import type { IndirectFile } from '../../../spec/vti/machine/instructions.js';
import type { VtiState } from '../../../spec/vti/machine/state.js';
import { bits, mapGet, mapSet, u64 } from '../bits.js';
import { raise } from '../interruption.js';
import { because, type Decision } from '../outcome.js';
import { complete, gr, natConsumption, val, type Ctx } from './common.js';

type MapFile = Exclude<IndirectFile, 'rr'>;

const index = (file: IndirectFile, r3value: bigint): number => Number(file === 'rr' ? bits(r3value, 63, 61) : r3value & 0xffn);

const readFile = (s: VtiState, file: IndirectFile, i: number): bigint => (file === 'rr' ? s.rr[i] ?? 0n : mapGet(s[file], i));
const writeFile = (s: VtiState, file: IndirectFile, i: number, v: bigint): VtiState =>
  file === 'rr' ? { ...s, rr: s.rr.map((x, j) => (j === i ? u64(v) : x)) } : { ...s, [file]: mapSet(s[file as MapFile], i, v) };

const pkrRange = (ctx: Ctx, file: IndirectFile, i: number): Decision | null =>
  file === 'pkr' && i >= ctx.profile.pkrCount
    ? raise(ctx.state, 'reservedRegisterField', [because('VTI.NATIVE.MOV_IND', `pkr[${i}]: only ${ctx.profile.pkrCount} implemented`)])
    : null;

/**
 * Reserved fields of the region registers (SDM 2:§4.1.2; XEN is_reserved_rr_rid): setting one faults.
 * The PKR's are not checked: which of its bits are reserved was not retrieved.
 */
const RESERVED_FIELDS: Partial<Record<IndirectFile, bigint>> = {
  rr: 0xffff_ffff_0000_0002n,
};

/** mov file[r3] = r2. Implements VTI.NATIVE.MOV_IND. */
export const movToIndirect = (ctx: Ctx, file: IndirectFile, r3: number, r2: number): Decision => {
  const nat = natConsumption(ctx, [r3, r2]);
  if (nat !== null) return nat;
  const i = index(file, val(ctx, r3));
  const reserved = val(ctx, r2) & (RESERVED_FIELDS[file] ?? 0n);
  const bad = reserved === 0n ? null
    : raise(ctx.state, 'reservedRegisterField', [because('VTI.NATIVE.MOV_IND', `${file} reserved field bits ${reserved.toString(16)} set`)]);
  return bad ?? pkrRange(ctx, file, i) ??
    complete(ctx, writeFile(ctx.state, file, i, val(ctx, r2)), [because('VTI.NATIVE.MOV_IND', `${file}[${i}] = r${r2}`)]);
};

/** mov r1 = file[r3]. Implements VTI.NATIVE.MOV_IND. */
export const movFromIndirect = (ctx: Ctx, file: IndirectFile, r1: number, r3: number): Decision => {
  const nat = natConsumption(ctx, [r3]);
  if (nat !== null) return nat;
  const i = index(file, val(ctx, r3));
  return pkrRange(ctx, file, i) ??
    complete(ctx, ctx.state, [because('VTI.NATIVE.MOV_IND', `r${r1} = ${file}[${i}]`)], { r1, g: gr(readFile(ctx.state, file, i)) });
};

/** Reserved application registers (SDM 1:§3.1.8, Table 3-3): moves to or from them are Illegal Operation faults. */
export const reservedAr = (n: number): boolean =>
  (n >= 8 && n <= 15) || n === 20 || n === 22 || n === 23 || n === 31 || (n >= 33 && n <= 35) ||
  (n >= 37 && n <= 39) || (n >= 41 && n <= 43) || n === 46 || n === 47 || (n >= 67 && n <= 111);
/** Ignored application registers: read 0, writes dropped. */
const ignoredAr = (n: number): boolean => (n >= 48 && n <= 63) || (n >= 112 && n <= 127);
/** BSPSTORE and RNAT are accessible only with the RSE in enforced-lazy mode (RSC.mode = 0). */
export const rseLocked = (s: VtiState, n: number): boolean => (n === 18 || n === 19) && (mapGet(s.ar, 16) & 3n) !== 0n;

/**
 * mov ar = r2 / imm8. Implements VTI.NATIVE.MOV_AR: ignored ARs drop the write; a RSC.pl below the
 * current privilege is raised to it (SDM mov ar).
 */
export const movToAr = (ctx: Ctx, ar: number, source: { readonly r2: number } | { readonly imm8: number }): Decision => {
  if ('r2' in source) {
    const nat = natConsumption(ctx, [source.r2]);
    if (nat !== null) return nat;
  }
  const v = 'r2' in source ? val(ctx, source.r2) : u64(BigInt(Math.trunc(source.imm8)));
  const cpl = bits(ctx.state.psr, 33, 32);
  const stored = ar === 16 && bits(v, 3, 2) < cpl ? (v & ~0xcn) | (cpl << 2n) : v;
  const after = ignoredAr(ar) ? ctx.state : { ...ctx.state, ar: mapSet(ctx.state.ar, ar, stored) };
  return complete(ctx, after, [because('VTI.NATIVE.MOV_AR', `ar${ar} = ${'r2' in source ? `r${source.r2}` : source.imm8}${ignoredAr(ar) ? ' (ignored register)' : ''}`)]);
};

/** mov r1 = ar. Implements VTI.NATIVE.MOV_AR. */
export const movFromAr = (ctx: Ctx, r1: number, ar: number): Decision =>
  complete(ctx, ctx.state, [because('VTI.NATIVE.MOV_AR', `r${r1} = ar${ar}`)], { r1, g: gr(ignoredAr(ar) ? 0n : mapGet(ctx.state.ar, ar)) });

/** The index of the last implemented CPUID register: CPUID[3]{7:0}, bounded by what exists. */
export const lastCpuid = (cpuid: readonly bigint[]): number => Math.min(cpuid.length - 1, Number(bits(cpuid[3] ?? 0n, 7, 0)));

/** mov r1 = cpuid[r3]. Implements VTI.NATIVE.CPUID. */
export const movFromCpuid = (ctx: Ctx, r1: number, r3: number): Decision => {
  const nat = natConsumption(ctx, [r3]);
  if (nat !== null) return nat;
  const i = val(ctx, r3) & 0xffn;
  const last = lastCpuid(ctx.state.cpuid);
  if (i > BigInt(last)) return raise(ctx.state, 'reservedRegisterField', [because('VTI.NATIVE.CPUID', `cpuid[${i}]: the last is ${last}`)]);
  return complete(ctx, ctx.state, [because('VTI.NATIVE.CPUID', `r${r1} = cpuid[${i}]`)], { r1, g: gr(ctx.state.cpuid[Number(i)] ?? 0n) });
};
