/**
 * Control-register instructions in VMX non-root operation (§25.1.3, §25.3): MOV to/from CR0, CR2,
 * CR3, CR4 (CR8: ./tpr-shadow.ts), CLTS, LMSW, SMSW. Rules EXIT.CR0.WRITE.MASK, EXIT.CR4.WRITE.MASK,
 * EXIT.CR3.LOAD.TARGET, EXIT.CR3.STORE, EXIT.CLTS, EXIT.LMSW; CHANGED.CR0.READ, CHANGED.CR4.READ,
 * CHANGED.CR0.WRITE, CHANGED.CR4.WRITE, CHANGED.CLTS, CHANGED.LMSW, CHANGED.SMSW; PRIORITY.OPERAND
 * (LMSW's memory operand is fetched before its exit condition is evaluated).
 *
 * A bit set in a guest/host mask belongs to the VMM: a write exits when it would make such a bit
 * differ from the read shadow, otherwise it leaves the bit alone; reads of it return the shadow.
 * A MOV to CR0/CR4 that does not exit still faults (#GP(0)) on a value not supported in VMX operation
 * (IA32_VMX_CR0/CR4_FIXED0/1, with PE and PG exempt for an unrestricted guest), and on the ordinary
 * rules (reserved bits, PG without PE, NW without CD, leaving IA-32e mode or enabling it without PAE).
 * With PAE paging in use afterwards, a MOV to CR3, and a MOV to CR0/CR4 that changes a paging bit,
 * loads the PDPTE registers (PAGING.PAE.LOAD, ../paging/pdpte.ts).
 */
import { match } from 'ts-pattern';
import type { ControlRegisterNumber, GuestInstruction, Gpr } from '../../../../spec/vtx/guest/instructions.js';
import type { CpuRegisters, VtxState } from '../../../../spec/vtx/state.js';
import type { Capabilities } from '../../capabilities.js';
import { loadPdptes, movCrLoadsPdptes, paePaging } from '../paging/pdpte.js';
import { decision, type NonRootResult } from '../result.js';
import { operandLinear, readOperand } from './access.js';
import { cite, controlOn, field, hex, said } from './controls.js';
import { crQualification, CR_ACCESS, masks, movCrFault, shadowedRead, type Decisions } from './cr-access.js';
import { gp, instructionExit, retire, retireWith } from './outcome.js';
import { in64BitMode, inIa32eMode, reg, U32, U64 } from './operands.js';
import { executeCr8 } from './tpr-shadow.js';

export type ControlRegisterInstruction = Extract<GuestInstruction, { op: 'MOV_TO_CR' | 'MOV_FROM_CR' | 'CLTS' | 'LMSW' | 'SMSW' }>;

const PE = 1n, TS = 1n << 3n, ET = 1n << 4n, NW = 1n << 29n, CD = 1n << 30n, PG = 1n << 31n;
const CR0_RESERVED_LOW = 0x1ffa_ffc0n;
const CR4_PAE = 1n << 5n, CR4_UMIP = 1n << 11n, CR4_PCIDE = 1n << 17n;
const EFER_LME = 1n << 8n, EFER_LMA = 1n << 10n;

const fixed = (lo: number, hi: number): bigint => (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);

/** Why a CR0 value the guest may set (its unmasked bits changed) is #GP(0), or null. */
const cr0Fault = (caps: Capabilities, s: VtxState, next: bigint): string | null => {
  if (next >> 32n !== 0n) return 'bits 63:32 are reserved';
  const ug = controlOn(s, 'proc2.UNRESTRICTED_GUEST');
  const fixed0 = fixed(caps.cr0Fixed0Lo, caps.cr0Fixed0Hi) & ~(ug ? PE | PG : 0n);
  const fixed1 = fixed(caps.cr0Fixed1Lo, caps.cr0Fixed1Hi) | (ug ? PE | PG : 0n);
  if ((next & fixed0) !== fixed0 || (next & ~fixed1 & U64) !== 0n) return `${hex(next)} is not supported in VMX operation (IA32_VMX_CR0_FIXED0/1)`;
  if ((next & PG) !== 0n && (next & PE) === 0n) return 'PG = 1 with PE = 0';
  if ((next & NW) !== 0n && (next & CD) === 0n) return 'NW = 1 with CD = 0';
  if ((next & PG) !== 0n && (s.cpu.cr0 & PG) === 0n && (s.cpu.efer & EFER_LME) !== 0n && (s.cpu.cr4 & CR4_PAE) === 0n) return 'enabling paging with EFER.LME = 1 and CR4.PAE = 0';
  if ((next & PG) === 0n && in64BitMode(s)) return 'clearing PG in 64-bit mode';
  return null;
};

/** Why a CR4 value is #GP(0), or null; only bits the guest owns (`mask` clear) can change. */
const cr4Fault = (caps: Capabilities, s: VtxState, next: bigint, mask: bigint): string | null => {
  const fixed0 = fixed(caps.cr4Fixed0Lo, caps.cr4Fixed0Hi);
  const fixed1 = fixed(caps.cr4Fixed1Lo, caps.cr4Fixed1Hi);
  const unsupported = ((fixed0 & ~next) | (next & ~fixed1)) & ~mask & U64;
  if (unsupported !== 0n) return `bits ${hex(unsupported)} would take values not supported in VMX operation (IA32_VMX_CR4_FIXED0/1)`;
  if (inIa32eMode(s) && (next & CR4_PAE) === 0n) return 'clearing PAE in IA-32e mode';
  if ((next & CR4_PCIDE) !== 0n && (s.cpu.cr4 & CR4_PCIDE) === 0n && (!inIa32eMode(s) || (s.cpu.cr3 & 0xfffn) !== 0n)) return 'setting PCIDE outside IA-32e mode or with CR3[11:0] ≠ 0';
  return null;
};

/**
 * Retires a MOV to CR with `changes`, loading the PDPTE registers from the table at `cr3` first
 * (PAGING.PAE.LOAD): an EPT-induced exit or #GP(0) instead when that load fails.
 */
const retireLoadingPdptes = (
  caps: Capabilities, s: VtxState, i: ControlRegisterInstruction, cr3: bigint, changes: Partial<CpuRegisters>, ds: Decisions,
): NonRootResult => {
  const l = loadPdptes(caps, s, cr3, ds);
  if (l.kind === 'exit') return l.result;
  const table = hex(cr3 & 0xffff_ffe0n);
  if (l.kind === 'invalid') {
    return gp(caps, l.state, [...ds, decision('PAGING.PAE.LOAD', '4.4.1', `PAE paging in use: PDPTE ${l.index} (${hex(l.entry)}) of the table at ${table} is present with a reserved bit set: #GP(0)`)]);
  }
  return retire(s, i, l.state, { ...changes, pdpte: l.pdpte }, [...ds, decision('PAGING.PAE.LOAD', '4.4.1', `PAE paging in use: PDPTE registers := ${l.pdpte.map(hex).join(', ')} from the table at ${table}`)]);
};

const movToCr0 = (caps: Capabilities, s: VtxState, i: ControlRegisterInstruction, src: Gpr): NonRootResult => {
  const value = in64BitMode(s) ? reg(s, src) : reg(s, src) & U32;
  const { mask, shadow } = masks(s, 0);
  const differ = (value ^ shadow) & mask;
  const ds = [cite('EXIT.CR0.WRITE.MASK', `CR0 guest/host mask ${hex(mask)}, read shadow ${hex(shadow)}, source ${hex(value)}: masked bits that differ ${hex(differ)}${differ !== 0n ? ': exits' : ''}`)];
  if (differ !== 0n) return instructionExit(caps, s, i, CR_ACCESS, { qualification: crQualification(0, 'mov-to', src) }, ds);
  // ET (bit 4) is hardwired to 1 and bits 28:19, 17, 15:6 are reserved (Vol. 3A §2.5): writes do not change them.
  const next = (((s.cpu.cr0 & mask) | (value & ~mask & U64)) & ~CR0_RESERVED_LOW) | ET;
  const why = cr0Fault(caps, s, next);
  const changed = [...ds, cite('CHANGED.CR0.WRITE', `bits ${hex(mask)} owned by the VMM keep their value: CR0 := ${hex(next)}${why === null ? '' : `, but ${why}: #GP(0)`}`)];
  if (why !== null) return gp(caps, s, changed);
  const lme = (s.cpu.efer & EFER_LME) !== 0n;
  const efer = lme ? ((next & PG) !== 0n ? s.cpu.efer | EFER_LMA : s.cpu.efer & ~EFER_LMA) : s.cpu.efer;
  if (movCrLoadsPdptes(s.cpu, { cr0: next, cr4: s.cpu.cr4, efer })) return retireLoadingPdptes(caps, s, i, s.cpu.cr3, { cr0: next, efer }, changed);
  return retire(s, i, s, { cr0: next, efer }, changed);
};

const movToCr4 = (caps: Capabilities, s: VtxState, i: ControlRegisterInstruction, src: Gpr): NonRootResult => {
  const value = in64BitMode(s) ? reg(s, src) : reg(s, src) & U32;
  const { mask, shadow } = masks(s, 4);
  const differ = (value ^ shadow) & mask;
  const ds = [cite('EXIT.CR4.WRITE.MASK', `CR4 guest/host mask ${hex(mask)}, read shadow ${hex(shadow)}, source ${hex(value)}: masked bits that differ ${hex(differ)}${differ !== 0n ? ': exits' : ''}`)];
  if (differ !== 0n) return instructionExit(caps, s, i, CR_ACCESS, { qualification: crQualification(4, 'mov-to', src) }, ds);
  const next = (s.cpu.cr4 & mask) | (value & ~mask & U64);
  const why = cr4Fault(caps, s, next, mask);
  const changed = [...ds, cite('CHANGED.CR4.WRITE', `bits ${hex(mask)} owned by the VMM keep their value: CR4 := ${hex(next)}${why === null ? '' : `, but ${why}: #GP(0)`}`)];
  if (why !== null) return gp(caps, s, changed);
  if (movCrLoadsPdptes(s.cpu, { cr0: s.cpu.cr0, cr4: next, efer: s.cpu.efer })) return retireLoadingPdptes(caps, s, i, s.cpu.cr3, { cr4: next }, changed);
  return retire(s, i, s, { cr4: next }, changed);
};

const CR3_TARGETS = ['CR3_TARGET_VALUE0', 'CR3_TARGET_VALUE1', 'CR3_TARGET_VALUE2', 'CR3_TARGET_VALUE3'] as const;

const movToCr3 = (caps: Capabilities, s: VtxState, i: ControlRegisterInstruction, src: Gpr): NonRootResult => {
  const value = in64BitMode(s) ? reg(s, src) : reg(s, src) & U32;
  const loadExiting = controlOn(s, 'proc.CR3_LOAD_EXITING');
  const count = Number(field(s, 'CR3_TARGET_COUNT') & 0xffff_ffffn);
  const targets = CR3_TARGETS.slice(0, Math.min(count, CR3_TARGETS.length)).map((f) => field(s, f));
  const hit = targets.findIndex((t) => t === value);
  const exits = loadExiting && hit < 0;
  const verdict = !loadExiting ? said(s, 'proc.CR3_LOAD_EXITING')
    : hit >= 0 ? `"CR3-load exiting" = 1, but the source ${hex(value)} equals CR3-target value ${hit} (count ${count})`
      : `"CR3-load exiting" = 1 and the source ${hex(value)} equals none of the first ${count} CR3-target values: exits`;
  const ds = [cite('EXIT.CR3.LOAD.TARGET', verdict)];
  if (exits) return instructionExit(caps, s, i, CR_ACCESS, { qualification: crQualification(3, 'mov-to', src) }, ds);
  // IA-32e mode: bits 63:MAXPHYADDR reserved, except bit 63 with CR4.PCIDE = 1 (the no-flush hint, not stored).
  const pcide = (s.cpu.cr4 & CR4_PCIDE) !== 0n;
  const address = inIa32eMode(s) && pcide ? value & ~(1n << 63n) : value;
  if (inIa32eMode(s) && address >> BigInt(caps.maxPhysAddr) !== 0n) return gp(caps, s, ds);
  if (paePaging(s.cpu.cr0, s.cpu.cr4, s.cpu.efer)) return retireLoadingPdptes(caps, s, i, address, { cr3: address }, ds);
  return retire(s, i, s, { cr3: address }, ds);
};

const movFromCr = (caps: Capabilities, s: VtxState, i: ControlRegisterInstruction, cr: 0 | 2 | 3 | 4, dst: Gpr): NonRootResult => {
  const width = in64BitMode(s) ? U64 : U32;
  const put = (v: bigint, ds: Decisions) => retireWith(s, i, s, new Map([[dst, v & width]]), in64BitMode(s) ? 8 : 4, {}, ds);
  if (cr === 2) return put(s.cpu.cr2, []);
  if (cr === 3) {
    const exits = controlOn(s, 'proc.CR3_STORE_EXITING');
    const ds = [cite('EXIT.CR3.STORE', `${said(s, 'proc.CR3_STORE_EXITING')}${exits ? ': MOV from CR3 exits' : ''}`)];
    return exits ? instructionExit(caps, s, i, CR_ACCESS, { qualification: crQualification(3, 'mov-from', dst) }, ds) : put(s.cpu.cr3, ds);
  }
  const { mask, shadow } = masks(s, cr);
  const real = cr === 0 ? s.cpu.cr0 : s.cpu.cr4;
  const value = shadowedRead(real, mask, shadow);
  return put(value, [cite(cr === 0 ? 'CHANGED.CR0.READ' : 'CHANGED.CR4.READ', `CR${cr} ${hex(real)}, mask ${hex(mask)}, read shadow ${hex(shadow)}: the guest reads ${hex(value)}`)]);
};

const clts = (caps: Capabilities, s: VtxState, i: ControlRegisterInstruction): NonRootResult => {
  const { mask, shadow } = masks(s, 0);
  const maskTs = (mask & TS) !== 0n;
  const shadowTs = (shadow & TS) !== 0n;
  const ds = [cite('EXIT.CLTS', `CR0 mask bit 3 = ${maskTs ? 1 : 0}, read-shadow bit 3 = ${shadowTs ? 1 : 0}${maskTs && shadowTs ? ': CLTS exits' : ''}`)];
  if (maskTs && shadowTs) return instructionExit(caps, s, i, CR_ACCESS, { qualification: crQualification(0, 'clts') }, ds);
  if (maskTs) return retire(s, i, s, {}, [...ds, cite('CHANGED.CLTS', 'mask bit 3 = 1, read-shadow bit 3 = 0: CLTS completes and leaves CR0.TS unchanged')]);
  if ((fixed(caps.cr0Fixed0Lo, caps.cr0Fixed0Hi) & TS) !== 0n) return gp(caps, s, [...ds, cite('CHANGED.CLTS', 'CR0.TS is fixed to 1 in VMX operation: #GP(0)')]);
  return retire(s, i, s, { cr0: s.cpu.cr0 & ~TS }, [...ds, cite('CHANGED.CLTS', 'mask bit 3 = 0: CLTS clears CR0.TS normally')]);
};

const lmsw = (caps: Capabilities, s: VtxState, i: Extract<ControlRegisterInstruction, { op: 'LMSW' }>): NonRootResult => {
  let source: bigint;
  let st = s;
  let ds: Decisions = [];
  if (i.mem !== undefined) {
    ds = [cite('PRIORITY.OPERAND', 'LMSW reads its memory operand before its exit condition is evaluated; a fault there comes first')];
    const read = readOperand(caps, s, i.mem, 2, ds);
    if (!read.ok) return read.result;
    source = read.value & 0xffffn;
    st = read.state;
  } else {
    source = reg(s, i.src ?? 0) & 0xffffn;
  }
  const { mask, shadow } = masks(s, 0);
  const low = mask & 0xfn;
  const setsPe = (low & PE & source) !== 0n && (shadow & PE) === 0n;
  const differ = (low & 0xen & (shadow ^ source)) !== 0n;
  const exits = setsPe || differ;
  ds = [...ds, cite('EXIT.LMSW', `mask[3:0] ${hex(low)}, read shadow[3:0] ${hex(shadow & 0xfn)}, source[3:0] ${hex(source & 0xfn)}${exits ? `: ${setsPe ? 'sets a masked PE the shadow shows clear' : 'a masked bit of CR0[3:1] differs'}, exits` : ''}`)];
  if (exits) {
    return instructionExit(caps, st, i, CR_ACCESS, {
      qualification: crQualification(0, 'lmsw', 0, i.mem !== undefined, source),
      guestLinearAddress: i.mem === undefined ? null : operandLinear(s, i.mem),
    }, ds);
  }
  // LMSW loads CR0[3:0] except that it never clears PE; masked bits keep their value.
  const loaded = (source & 0xen) | ((source | s.cpu.cr0) & PE);
  const next = (s.cpu.cr0 & ~(0xfn & ~low)) | (loaded & 0xfn & ~low);
  const why = cr0Fault(caps, s, next);
  const changed = [...ds, cite('CHANGED.LMSW', `CR0[3:0] bits ${hex(low)} owned by the VMM keep their value: CR0 := ${hex(next)}${why === null ? '' : `, but ${why}: #GP(0)`}`)];
  return why !== null ? gp(caps, st, changed) : retire(s, i, st, { cr0: next }, changed);
};

export const executeControlRegister = (caps: Capabilities, s: VtxState, i: ControlRegisterInstruction): NonRootResult =>
  match(i)
    .with({ op: 'MOV_TO_CR', cr: 8 }, { op: 'MOV_FROM_CR', cr: 8 }, (v) => executeCr8(caps, s, v))
    .with({ op: 'MOV_TO_CR' }, (v) => {
      const cr = v.cr as Exclude<ControlRegisterNumber, 8>;
      const rule = cr === 0 ? 'EXIT.CR0.WRITE.MASK' : cr === 4 ? 'EXIT.CR4.WRITE.MASK' : cr === 3 ? 'EXIT.CR3.LOAD.TARGET' : null;
      const early = movCrFault(caps, s, cr, `MOV to CR${cr}`, rule);
      if (early !== null) return early;
      if (cr === 0) return movToCr0(caps, s, i, v.src);
      if (cr === 4) return movToCr4(caps, s, i, v.src);
      if (cr === 3) return movToCr3(caps, s, i, v.src);
      return retire(s, i, s, { cr2: in64BitMode(s) ? reg(s, v.src) : reg(s, v.src) & U32 }, []);
    })
    .with({ op: 'MOV_FROM_CR' }, (v) => {
      const cr = v.cr as Exclude<ControlRegisterNumber, 8>;
      const rule = cr === 0 ? 'CHANGED.CR0.READ' : cr === 4 ? 'CHANGED.CR4.READ' : cr === 3 ? 'EXIT.CR3.STORE' : null;
      const early = movCrFault(caps, s, cr, `MOV from CR${cr}`, rule);
      return early ?? movFromCr(caps, s, i, cr, v.dst);
    })
    .with({ op: 'CLTS' }, () => {
      if (s.cpu.cpl > 0) return gp(caps, s, [cite('PRIORITY.CPL', `CLTS at CPL ${s.cpu.cpl} is #GP(0), before any exit`), cite('EXIT.CLTS', 'CPL > 0: no exit')]);
      return clts(caps, s, i);
    })
    .with({ op: 'LMSW' }, (v) => {
      if (s.cpu.cpl > 0) return gp(caps, s, [cite('PRIORITY.CPL', `LMSW at CPL ${s.cpu.cpl} is #GP(0), before any exit`), cite('EXIT.LMSW', 'CPL > 0: no exit')]);
      return lmsw(caps, s, v);
    })
    .with({ op: 'SMSW' }, (v) => {
      if ((s.cpu.cr4 & CR4_UMIP) !== 0n && s.cpu.cpl > 0) return gp(caps, s, [cite('CHANGED.SMSW', 'CR4.UMIP = 1 at CPL > 0: #GP(0)')]);
      const { mask, shadow } = masks(s, 0);
      // The 32-bit register form stores CR0[31:0] as read through the mask (upper bits zero-extended).
      const value = shadowedRead(s.cpu.cr0, mask, shadow) & U32;
      return retireWith(s, i, s, new Map([[v.dst, value]]), 4, {}, [cite('CHANGED.SMSW', `CR0 ${hex(s.cpu.cr0)} through mask ${hex(mask)} and read shadow ${hex(shadow)}: SMSW stores ${hex(value)}`)]);
    })
    .exhaustive();
