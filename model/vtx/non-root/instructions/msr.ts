/**
 * RDMSR and WRMSR in VMX non-root operation (§25.1.3; rules EXIT.RDMSR.NOBITMAP, EXIT.WRMSR.NOBITMAP,
 * EXIT.RDMSR.OUTSIDE, EXIT.WRMSR.OUTSIDE, EXIT.RDMSR.BITMAP.LOW/HIGH, EXIT.WRMSR.BITMAP.LOW/HIGH;
 * CHANGED.RDMSR.TSC; PRIORITY.CPL and PRIORITY.FAULTLIKE). The CPL check comes first (RDMSR at CPL 3
 * is #GP, not an exit); then, without MSR bitmaps every access exits; with them an ECX outside
 * 00000000H–00001FFFH and C0000000H–C0001FFFH exits, and inside, the bit of ECX (low range) or
 * ECX AND 1FFFH (high range) in the read or write bitmap of the MSR-bitmap page (§24.6.9: read-low at
 * byte 0, read-high 1024, write-low 2048, write-high 3072) decides. An ECX naming no MSR still exits.
 *
 * Without an exit the access acts on the guest's MSRs (state.cpu.msrs; IA32_EFER, FS/GS base and the
 * TSC live in their registers): reading an index that is neither present nor an architectural MSR of
 * spec/x86/msrs.ts is #GP(0) (architectural ones read 0); writes obey spec/x86/msrs.ts's value rules.
 */
import { MSR_BITMAP_LAYOUT } from '../../../../spec/vtx/non-root/msr.js';
import type { GuestInstruction } from '../../../../spec/vtx/guest/instructions.js';
import type { Decision } from '../../../../spec/vtx/non-root/observation.js';
import { readMemory8, MSR, type VtxState } from '../../../../spec/vtx/state.js';
import { ARCH_MSR_BY_INDEX, wrmsrVerdict } from '../../../../spec/x86/msrs.js';
import type { Capabilities } from '../../capabilities.js';
import type { NonRootResult } from '../result.js';
import { cite, controlOn, field, hex, said } from './controls.js';
import { gp, instructionExit, retire, retireWith } from './outcome.js';
import { reg, U32 } from './operands.js';
import { guestTsc } from './tsc.js';

export type MsrInstruction = Extract<GuestInstruction, { op: 'RDMSR' | 'WRMSR' }>;

const RAX = 0, RCX = 1, RDX = 2;
const IA32_TIME_STAMP_COUNTER = 0x10;
const EFER_LMA = 1n << 10n;
const CR0_PG = 1n << 31n;

/** Whether the access exits, with one decision per rule consulted, in the order §25.1.3 lists them. */
const msrExits = (s: VtxState, ecx: number, write: boolean): { readonly exits: boolean; readonly decisions: readonly Decision[] } => {
  const op = write ? 'WRMSR' : 'RDMSR';
  const nobitmap = cite(`EXIT.${op}.NOBITMAP`, `${said(s, 'proc.USE_MSR_BITMAPS')}${controlOn(s, 'proc.USE_MSR_BITMAPS') ? '' : `: every ${op} exits`}`);
  if (!controlOn(s, 'proc.USE_MSR_BITMAPS')) return { exits: true, decisions: [nobitmap] };
  const low = ecx <= 0x1fff;
  const high = ecx >= 0xc000_0000 && ecx <= 0xc000_1fff;
  const outside = cite(`EXIT.${op}.OUTSIDE`, `ECX ${hex(ecx)} is ${low ? 'in the low range' : high ? 'in the high range' : 'outside 00000000H–00001FFFH and C0000000H–C0001FFFH: exits'}`);
  if (!low && !high) return { exits: true, decisions: [nobitmap, outside] };
  const region = MSR_BITMAP_LAYOUT[`${write ? 'write' : 'read'}${low ? 'Low' : 'High'}`];
  const n = ecx & 0x1fff;
  const at = field(s, 'MSR_BITMAP') + BigInt(region.offset + (n >> 3));
  const set = ((readMemory8(s.memory, at) >> (n & 7)) & 1) === 1;
  const rule = `EXIT.${op}.BITMAP.${low ? 'LOW' : 'HIGH'}` as const;
  const bit = cite(rule, `bit ${hex(n)} of the ${write ? 'write' : 'read'} bitmap for ${low ? 'low' : 'high'} MSRs (byte ${hex(at)}) is ${set ? '1: exits' : '0'}`);
  return { exits: set, decisions: [nobitmap, outside, bit] };
};

const edxEax = (value: bigint): ReadonlyMap<number, bigint> => new Map([[RAX, value & U32], [RDX, (value >> 32n) & U32]]);

const rdmsr = (caps: Capabilities, s: VtxState, i: MsrInstruction, ecx: number, ds: readonly Decision[]): NonRootResult => {
  const put = (v: bigint, more: readonly Decision[] = []) => retireWith(s, i, s, edxEax(v), 4, {}, [...ds, ...more]);
  if (ecx === IA32_TIME_STAMP_COUNTER) {
    const t = guestTsc(s, 'CHANGED.RDMSR.TSC');
    return put(t.value, t.decisions);
  }
  if (ecx === MSR.IA32_EFER) return put(s.cpu.efer);
  if (ecx === MSR.IA32_FS_BASE) return put(s.cpu.segments.fs.base);
  if (ecx === MSR.IA32_GS_BASE) return put(s.cpu.segments.gs.base);
  const value = s.cpu.msrs.get(ecx);
  if (value !== undefined) return put(value);
  return ARCH_MSR_BY_INDEX.has(ecx) ? put(0n) : gp(caps, s, ds);
};

const wrmsr = (caps: Capabilities, s: VtxState, i: MsrInstruction, ecx: number, ds: readonly Decision[]): NonRootResult => {
  const value = ((reg(s, RDX) & U32) << 32n) | (reg(s, RAX) & U32);
  if (ecx === IA32_TIME_STAMP_COUNTER) return retire(s, i, s, { tsc: value }, ds);
  const current = ecx === MSR.IA32_EFER ? s.cpu.efer : s.cpu.msrs.get(ecx);
  const verdict = wrmsrVerdict(ecx, value, {
    linearAddressWidth: caps.linearAddressWidth, maxPhysAddr: caps.maxPhysAddr, inSmm: s.cpu.inSmm,
    debugctlValidMask: caps.profile.choices.debugctlValidMask, perfGlobalCtrlValidMask: caps.profile.choices.perfGlobalCtrlValidMask,
    pagingEnabled: (s.cpu.cr0 & CR0_PG) !== 0n,
    ...(current === undefined ? {} : { current }),
  });
  if (verdict.kind === 'gp' || (verdict.kind === 'unknown' && current === undefined)) return gp(caps, s, ds);
  if (ecx === MSR.IA32_EFER) return retire(s, i, s, { efer: (value & ~EFER_LMA) | (s.cpu.efer & EFER_LMA) }, ds);
  if (ecx === MSR.IA32_FS_BASE || ecx === MSR.IA32_GS_BASE) {
    const seg = ecx === MSR.IA32_FS_BASE ? 'fs' : 'gs';
    return retire(s, i, s, { segments: { ...s.cpu.segments, [seg]: { ...s.cpu.segments[seg], base: value } } }, ds);
  }
  return retire(s, i, s, { msrs: new Map(s.cpu.msrs).set(ecx, value) }, ds);
};

export const executeMsr = (caps: Capabilities, s: VtxState, i: MsrInstruction): NonRootResult => {
  const write = i.op === 'WRMSR';
  const ecx = Number(reg(s, RCX) & U32);
  if (s.cpu.cpl > 0) {
    return gp(caps, s, [
      cite('PRIORITY.CPL', `${i.op} at CPL ${s.cpu.cpl} is #GP(0): the privilege check comes before any MSR exit`),
      cite(`EXIT.${i.op}.NOBITMAP`, `CPL ${s.cpu.cpl}: no exit`),
    ]);
  }
  const { exits, decisions } = msrExits(s, ecx, write);
  if (exits) return instructionExit(caps, s, i, write ? 32 : 31, {}, decisions);
  return write ? wrmsr(caps, s, i, ecx, decisions) : rdmsr(caps, s, i, ecx, decisions);
};
