/**
 * The guest's TLB instructions, emulated on the VMM's copy of the guest TLB (vtlb.ts): itc, itr
 * (causes 8, 9, 16, 17) insert at the guest's IFA with its ITIR and region id; ptc.l/g/ga, ptc.e,
 * ptr (26-30, 35) purge; tpa, tak (33, 34) and, where it intercepts, probe (41) query it. One logical
 * processor: ptc.g/ga purge locally. The machine TLB is the VMM's and is not changed here: loads and
 * stores are not translated in this abstraction (spec/vti/machine/README.md).
 */
import { NON_ACCESS_CODE } from '../../../../spec/vti/machine/faults.js';
import type { TlbSide } from '../../../../spec/vti/machine/instructions.js';
import { bit, bits } from '../bits.js';
import { guestRid, insertTc, insertTr, lookup, pageBase, purgeTc, purgeTr } from '../vtlb.js';
import { longFormatHash, shortFormatHash } from './thash.js';
import { completed, fault, guestIc, guestImplemented, natConsumption, setResult, val, type Emu, type Emulation } from './common.js';

const CR = { pta: 8, ifa: 20, itir: 21 } as const;
const ISR = { w: 1n << 33n, r: 1n << 34n, na: 1n << 35n } as const;

const vcr = (e: Emu, n: number): bigint => e.vm.host.vpd().vcr.get(n) ?? 0n;

const setTlb = (e: Emu, f: (t: typeof e.vm.shadow.tlb) => typeof e.vm.shadow.tlb): Emulation => {
  e.vm.shadow.tlb = f(e.vm.shadow.tlb);
  return completed;
};

/** The entry itc/itr insert: the page of the guest's IFA, size and key from its ITIR. */
const entry = (e: Emu, pte: bigint) => {
  const ifa = vcr(e, CR.ifa);
  const itir = vcr(e, CR.itir);
  const ps = Number(bits(itir, 7, 2));
  return { vadr: pageBase(ifa, ps), rid: guestRid(e.vm.shadow.rr, ifa), ps, pte, key: bits(itir, 31, 8) };
};

/** itc and itr need the guest's PSR.ic = 0: an operand check the processor could not make on vpsr. */
const icCheck = (e: Emu): Emulation | null => (guestIc(e) ? fault('illegalOperation') : null);

/** The address itc/itr insert, the guest's IFA, must be one the guest may use. */
const ifaCheck = (e: Emu): Emulation | null => {
  const ifa = vcr(e, CR.ifa);
  return guestImplemented(e, ifa) ? null : fault('unimplementedDataAddress', { ifa });
};

export const itc = (e: Emu, side: TlbSide, r2: number): Emulation =>
  icCheck(e) ?? natConsumption(e, [r2]) ?? ifaCheck(e) ?? setTlb(e, (t) => insertTc(t, side, entry(e, val(e, r2))));

export const itr = (e: Emu, side: TlbSide, r3: number, r2: number): Emulation => {
  const bad = icCheck(e) ?? natConsumption(e, [r3, r2]);
  if (bad !== null) return bad;
  const slot = Number(val(e, r3) & 0xffn);
  const count = side === 'i' ? e.vm.guestProfile.itrCount : e.vm.guestProfile.dtrCount;
  if (slot >= count) return fault('reservedRegisterField');
  return ifaCheck(e) ?? setTlb(e, (t) => insertTr(t, side, slot, entry(e, val(e, r2))));
};

/** The range a purge names: r3 (an implemented guest address) and size 2^r2{7:2}. */
const range = (e: Emu, r3: number, r2: number) => {
  const bad = natConsumption(e, [r3, r2]);
  if (bad !== null) return bad;
  const vadr = val(e, r3);
  if (!guestImplemented(e, vadr)) return fault('unimplementedDataAddress', { ifa: vadr });
  const ps = Number(bits(val(e, r2), 7, 2));
  return { rid: guestRid(e.vm.shadow.rr, vadr), base: pageBase(vadr, ps), ps };
};

export const ptc = (e: Emu, r3: number, r2: number): Emulation => {
  const r = range(e, r3, r2);
  return 'kind' in r ? r : setTlb(e, (t) => purgeTc(t, 'both', r.rid, r.base, r.ps));
};

export const ptcE = (e: Emu, r3: number): Emulation =>
  natConsumption(e, [r3]) ?? setTlb(e, (t) => ({ ...t, itc: [], dtc: [] }));

export const ptr = (e: Emu, side: TlbSide, r3: number, r2: number): Emulation => {
  const r = range(e, r3, r2);
  return 'kind' in r ? r : setTlb(e, (t) => purgeTc(purgeTr(t, side, r.rid, r.base, r.ps), side, r.rid, r.base, r.ps));
};

/** ITIR as a TLB fault supplies it: the region's page size, and its region id in the key field (SDM 2:§8). */
const defaultItir = (rr: bigint): bigint => (bits(rr, 7, 2) << 2n) | (bits(rr, 31, 8) << 8n);

/**
 * The guest's data translation of r3 for tpa and probe (SDM non-access translation), or the fault it
 * takes: a miss is a Data TLB fault when the guest's VHPT walker is on for the region (its PTA.ve and
 * RR.ve; IHA = the guest's hash) and an Alternate Data TLB fault otherwise — always so for a probe
 * with the guest's PSR.dt = 0, which looks in the DTLB only (SDM 3:217); a translation with p = 0 is
 * a Page Not Present fault. ISR.na = 1 with the instruction in ISR.code, IFA = the address, ITIR =
 * the region's defaults. An address the guest cannot use is the caller's: tpa faults, probe answers 0
 * (SDM 3:217).
 */
const nonAccess = (e: Emu, vadr: bigint, kind: 'tpa' | 'probe', access: bigint) => {
  const isrBits = ISR.na | access;
  const rr = e.vm.shadow.rr[Number(bits(vadr, 63, 61))] ?? 0n;
  const found = lookup(e.vm.shadow.tlb, 'd', guestRid(e.vm.shadow.rr, vadr), vadr);
  const details = { ifa: vadr, isrBits, itir: defaultItir(rr), isrCode: NON_ACCESS_CODE[kind] };
  if (found === null) {
    const pta = vcr(e, CR.pta);
    const dtlbOnly = kind === 'probe' && !bit(e.entry.guestPsr, 17);
    if (dtlbOnly || !(bit(pta, 0) && bit(rr, 0))) return fault('alternateDataTlb', details);
    return fault('dataTlb', { ...details, iha: bit(pta, 8) ? longFormatHash(e, vadr, pta, rr) : shortFormatHash(vadr, pta, rr) });
  }
  if (!bit(found.pte, 0)) return fault('pageNotPresent', details);
  return { vadr, found };
};

export const tpa = (e: Emu, r1: number, r3: number): Emulation => {
  const bad = natConsumption(e, [r3]);
  if (bad !== null) return bad;
  const vadr = val(e, r3);
  if (!guestImplemented(e, vadr)) return fault('unimplementedDataAddress', { ifa: vadr, isrBits: ISR.na });
  const t = nonAccess(e, vadr, 'tpa', 0n);
  if ('kind' in t) return t;
  const mask = (1n << BigInt(t.found.ps)) - 1n;
  setResult(e, r1, ((bits(t.found.pte, 49, 12) << 12n) & ~mask) | (t.vadr & mask));
  return completed;
};

/**
 * tak: the key of a present translation, in the ITIR/PKR key position; 1 when there is none or the
 * address is unimplemented. The guest's PSR.dt = 0 only turns its walker off: its DTLB is still
 * searched (SDM 3:260).
 */
export const tak = (e: Emu, r1: number, r3: number): Emulation => {
  const bad = natConsumption(e, [r3]);
  if (bad !== null) return bad;
  const vadr = val(e, r3);
  const found = guestImplemented(e, vadr) ? lookup(e.vm.shadow.tlb, 'd', guestRid(e.vm.shadow.rr, vadr), vadr) : null;
  setResult(e, r1, found !== null && bit(found.pte, 0) ? (found.key & 0xff_ffffn) << 8n : 1n);
  return completed;
};

/** Access rights `ar` and page privilege `ppl` allow `access` at privilege `pl` (SDM 2:§4.1.1.5, as modelled). */
const permits = (access: 'r' | 'w', ar: number, ppl: number, pl: number): boolean => {
  if (pl > ppl) return false;
  if (access === 'r') return ar !== 7 || pl === 0;
  return ar === 2 || ar === 3 || ar === 6 || ((ar === 4 || ar === 5) && pl === 0);
};

export const probe = (e: Emu, access: 'r' | 'w', r1: number, r3: number, r2: number): Emulation => {
  const bad = natConsumption(e, [r2, r3]);
  if (bad !== null) return bad;
  const vadr = val(e, r3);
  if (!guestImplemented(e, vadr)) {
    setResult(e, r1, 0n);
    return completed;
  }
  const t = nonAccess(e, vadr, 'probe', access === 'r' ? ISR.r : ISR.w);
  if ('kind' in t) return t;
  // The privilege probed is r2{1:0}, but never more privileged than the guest's own.
  const pl = Math.max(Number(val(e, r2) & 3n), Number(bits(e.entry.guestPsr, 33, 32)));
  setResult(e, r1, permits(access, Number(bits(t.found.pte, 11, 9)), Number(bits(t.found.pte, 8, 7)), pl) ? 1n : 0n);
  return completed;
};
