/**
 * The register files VT-i leaves to the VMM: rr, pkr, ibr, dbr, pmc, pmd (causes 10-15, 18-22),
 * AR.ITC (1-3), and CPUID (23).
 *
 * - Guest region registers are kept here; the machine's are derived from them with the region id
 *   moved into the VMM's half of the RID space (LK/XEN vcpu_set_rr remap RIDs), so the guest never
 *   reads a machine RR.
 * - The guest ITC is the machine ITC plus an offset (LK/XEN); writing it moves the offset.
 * - CPUID comes from VPD vcpuid[] (XEN vmx_emul_mov_from_cpuid; what vac.a_from_cpuid reads too).
 * - PMDs are read by the guest without an intercept, so the machine's PMDs carry the guest's values.
 */
import { AR, type IndirectFile } from '../../../../spec/vti/machine/instructions.js';
import { bits, u64 } from '../bits.js';
import { VmmError } from '../host.js';
import type { GuestShadow, Vm } from '../vm.js';
import { completed, fault, natConsumption, setResult, val, type Emu, type Emulation } from './common.js';

type MapFile = Exclude<IndirectFile, 'rr'>;

const RID_BITS = 24n;
/** Machine region ids for guests have the top RID bit set; the VMM's own have it clear. */
const GUEST_RID_SPACE = 1n << (RID_BITS - 1n);

/** The machine region register for a guest region register value: RID remapped, VHPT walker on. */
export const machineRr = (guestRr: bigint): bigint => {
  const rid = (bits(guestRr, 31, 8) | GUEST_RID_SPACE) & ((1n << RID_BITS) - 1n);
  return (rid << 8n) | (bits(guestRr, 7, 2) << 2n) | 1n;
};

const index = (file: IndirectFile, r3: bigint): number => Number(file === 'rr' ? bits(r3, 63, 61) : r3 & 0xffn);

const map = (s: GuestShadow, file: MapFile): Map<number, bigint> => s[file];

const pkrRange = (vm: Vm, file: IndirectFile, i: number): Emulation | null =>
  file === 'pkr' && i >= vm.guestProfile.pkrCount ? fault('reservedRegisterField') : null;

/** Reserved fields of a region register (SDM 2:§4.1.2: bit 1 and bits 63:32): writing one faults. */
const RR_RESERVED = 0xffff_ffff_0000_0002n;

export const movToIndirect = (e: Emu, file: IndirectFile, r3: number, r2: number): Emulation => {
  const bad = natConsumption(e, [r3, r2]);
  if (bad !== null) return bad;
  const i = index(file, val(e, r3));
  const v = val(e, r2);
  if (file === 'rr' && (v & RR_RESERVED) !== 0n) return fault('reservedRegisterField');
  const range = pkrRange(e.vm, file, i);
  if (range !== null) return range;
  if (file === 'rr') {
    e.vm.shadow.rr[i] = v;
    e.vm.host.movToRr(i, machineRr(v));
  } else {
    map(e.vm.shadow, file).set(i, v);
    // PMD reads are not virtualized (NOT_VIRTUALIZED): the guest reads the machine's PMDs directly,
    // so they hold the guest's values.
    if (file === 'pmd') e.vm.host.movToPmd(i, v);
  }
  return completed;
};

export const movFromIndirect = (e: Emu, file: IndirectFile, r1: number, r3: number): Emulation => {
  const bad = natConsumption(e, [r3]);
  if (bad !== null) return bad;
  const i = index(file, val(e, r3));
  const range = pkrRange(e.vm, file, i);
  if (range !== null) return range;
  setResult(e, r1, file === 'rr' ? e.vm.shadow.rr[i] ?? 0n : map(e.vm.shadow, file).get(i) ?? 0n);
  return completed;
};

const machineItc = (vm: Vm): bigint => vm.host.state.ar.get(AR.itc) ?? 0n;

const onlyItc = (ar: number): void => {
  // classify: only AR.ITC is virtualized; anything else reaching the VMM is a processor bug.
  if (ar !== AR.itc) throw new VmmError(`mov ar${ar} intercepted: only AR.ITC is virtualized`);
};

export const movToAr = (e: Emu, ar: number, source: { readonly r2: number } | { readonly imm8: number }): Emulation => {
  onlyItc(ar);
  if ('r2' in source) {
    const bad = natConsumption(e, [source.r2]);
    if (bad !== null) return bad;
  }
  const v = 'r2' in source ? val(e, source.r2) : u64(BigInt(source.imm8));
  e.vm.shadow.itcOffset = u64(v - machineItc(e.vm));
  // The guest's ITM is unchanged in guest time, so the machine ITM moves with the offset.
  const itm = e.vm.host.vpd().vcr.get(1) ?? 0n;
  e.vm.host.movToCr(1, u64(itm - e.vm.shadow.itcOffset));
  return completed;
};

export const movFromAr = (e: Emu, r1: number, ar: number): Emulation => {
  onlyItc(ar);
  setResult(e, r1, machineItc(e.vm) + e.vm.shadow.itcOffset);
  return completed;
};

export const movFromCpuid = (e: Emu, r1: number, r3: number): Emulation => {
  const bad = natConsumption(e, [r3]);
  if (bad !== null) return bad;
  const cpuid = e.vm.host.vpd().vcpuid;
  const last = Math.min(cpuid.length - 1, Number(bits(cpuid[3] ?? 0n, 7, 0)));
  const i = val(e, r3) & 0xffn;
  if (i > BigInt(last)) return fault('reservedRegisterField');
  setResult(e, r1, cpuid[Number(i)] ?? 0n);
  return completed;
};
