/**
 * The instructions that compute or manage translations: thash, ttag (SDM 3:265, 3:269), tpa, tak
 * (3:260), itc, itr, ptc.l/g/ga, ptc.e, ptr, probe (VTI.NATIVE.THASH, VTI.NATIVE.TTAG, VTI.NATIVE.TPA,
 * VTI.NATIVE.TAK, VTI.NATIVE.ITC, VTI.NATIVE.ITR, VTI.NATIVE.PTC, VTI.NATIVE.PTR, VTI.NATIVE.PROBE,
 * VTI.NATIVE.PROBE_DTLB_ONLY, each instruction's intercept rule (named at its function),
 * VTI.UNIMPL_VA.THASH_TTAG, VTI.UNIMPL_VA.PROBE).
 *
 * Check order, from the SDM rev 2.3 pseudo-code where it was read (itr, tak, thash, ttag) and by
 * analogy elsewhere: thash / ttag intercept right after the target check, at any cpl; the others are
 * privileged, and check NaT operands, reserved slots and unimplemented addresses before PSR.vm.
 * itc / itr fault on PSR.ic = 1 first, but only natively: a guest kernel runs with the physical
 * PSR.ic = 1, so under PSR.vm = 1 the VMM judges the virtual ic after the intercept (README.md).
 */
import type { VtiObservation } from '../../../../spec/vti/machine/observation.js';
import type { TlbSide } from '../../../../spec/vti/machine/instructions.js';
import { FAULTS } from '../../../../spec/vti/machine/faults.js';
import { fieldOf, lowMask, PSR_BIT } from '../bits.js';
import { effectiveVaMsb, longHash, ptaVe, ptaVf, regionOf, rrPs, rrRid, rrVe, shortHash, vhptTag } from '../address.js';
import type { Ctx } from '../context.js';
import { CR, ISR } from '../interruption.js';
import type { MutableTlbEntry } from '../machine.js';
import {
  dataTranslation, mayRead, mayWrite, overlaps, purge, pteAr, ptePl, ptePpn, ptePresent, ridFor,
} from '../tlb.js';

/** SDM 2:188 Page Not Present vector (not in spec/vti/machine/faults.ts). */
const DATA_PAGE_NOT_PRESENT = 0x5000;

const rrOf = (c: Ctx, va: bigint): bigint => c.m.rr[regionOf(va)] ?? 0n;
const hashFor = (c: Ctx, va: bigint, msb: number): bigint => {
  const pta = c.m.crValue(CR.pta);
  return ptaVf(pta) ? longHash(va, rrOf(c, va), pta, msb) : shortHash(va, rrOf(c, va), pta, msb);
};

/**
 * thash / ttag: with PSR.vm = 1 they intercept at any cpl (VTI.INTERCEPT.THASH, VTI.INTERCEPT.TTAG).
 * Natively thash returns the short-format hash, or our long-format one when PTA.vf = 1
 * (VTI.NATIVE.THASH), and ttag our tag with NaT clear (VTI.NATIVE.TTAG); a NaT or unimplemented input
 * gives 0 with NaT (our value for "undefined", VTI.UNIMPL_VA.THASH_TTAG).
 */
export const thashTtag = (c: Ctx, op: 'thash' | 'ttag', r1: number, r3: number): VtiObservation => {
  if (!c.tgt(r1) || !c.src(r3)) return c.illegal();
  if (c.guest) return c.intercept(op === 'thash' ? 'EVENT_THASH' : 'EVENT_TTAG');
  const va = c.val(r3);
  if (c.nat(r3) || !c.implemented(va)) {
    c.m.setGr(r1, 0n, true);
    return c.done(0n, true);
  }
  const msb = effectiveVaMsb(c.profile.implVaMsb, false);
  const v = op === 'thash' ? hashFor(c, va, msb) : vhptTag(va, rrOf(c, va), msb);
  c.m.setGr(r1, v);
  return c.done(v);
};

/** ITIR as a TLB fault supplies it (SDM 2: Alternate/Data TLB vectors): ps = RR.ps, key = RR.rid, all else 0. */
const defaultItir = (rr: bigint): bigint => (BigInt(rrPs(rr)) << 2n) | (rrRid(rr) << 8n);

/**
 * SDM 2:§8 (Page Not Present vector): a non-access instruction reports its type in ISR.code{3:0}
 * (tpa 0, probe 2; tak never faults) and sets ISR.na (probe also ISR.r or ISR.w, its access type).
 */
const NON_ACCESS = { tpa: 0, probe: 2 } as const;

/**
 * tlb_translate_nonaccess (tpa, probe): the data translation of `va`, or the fault it raises. A miss is
 * a Data TLB fault when the VHPT walker is enabled for the region (PTA.ve = 1 and RR.ve = 1; the
 * abstraction has no VHPT, so the walk finds nothing), else an Alternate Data TLB fault; a translation
 * with p = 0 is a Data Page Not Present fault. IFA = the address, ITIR the region's defaults, IHA the
 * hash (walker case).
 */
const nonAccessTranslation = (c: Ctx, va: bigint, kind: keyof typeof NON_ACCESS, rule: string, access = 0n): MutableTlbEntry | VtiObservation => {
  const rr = rrOf(c, va);
  const res = { isrBits: ISR.na | access, ifa: va, itir: defaultItir(rr) };
  const code = NON_ACCESS[kind];
  const e = dataTranslation(c.m, va);
  if (e === null) {
    // SDM 3:217: a probe with PSR.dt = 0 looks in the DTLB alone, the walker being off for it
    // (VTI.NATIVE.PROBE_DTLB_ONLY).
    if (kind === 'probe' && !c.m.psrBit(PSR_BIT.dt)) {
      return c.fault({ vector: FAULTS.alternateDataTlb.vector, isrCode: code }, res, 'VTI.NATIVE.PROBE_DTLB_ONLY');
    }
    const walker = ptaVe(c.m.crValue(CR.pta)) && rrVe(rr);
    return walker
      ? c.fault({ vector: FAULTS.dataTlb.vector, isrCode: code }, { ...res, iha: hashFor(c, va, effectiveVaMsb(c.profile.implVaMsb, c.guest)) }, rule)
      : c.fault({ vector: FAULTS.alternateDataTlb.vector, isrCode: code }, res, rule);
  }
  if (!ptePresent(e.pte)) return c.fault({ vector: DATA_PAGE_NOT_PRESENT, isrCode: code }, res, rule);
  return e;
};

const isEntry = (x: MutableTlbEntry | VtiObservation): x is MutableTlbEntry => 'pte' in x;


/**
 * tpa (VTI.NATIVE.TPA): the physical address of the DTLB translation, or the TLB fault
 * nonAccessTranslation raises; with PSR.vm = 1 at cpl 0, after the NaT check, VTI.INTERCEPT.TPA.
 */
export const tpa = (c: Ctx, r1: number, r3: number): VtiObservation => {
  if (!c.tgt(r1) || !c.src(r3)) return c.illegal();
  if (c.cpl !== 0) return c.privileged();
  if (c.nat(r3)) return c.natConsumption();
  if (c.guest) return c.intercept('EVENT_TPA');
  const va = c.val(r3);
  if (!c.implemented(va)) return c.fault('unimplementedDataAddress', { isrBits: ISR.na, ifa: va }, 'VTI.UNIMPL_VA.DATA');
  const e = nonAccessTranslation(c, va, 'tpa', 'VTI.NATIVE.TPA');
  if (!isEntry(e)) return e;
  const pa = (ptePpn(e.pte) & ~lowMask(e.ps)) | (va & lowMask(e.ps));
  c.m.setGr(r1, pa);
  return c.done(pa);
};

/**
 * tak (SDM 3:260; VTI.NATIVE.TAK): the key of a present DTLB translation in bits 31:8, else 1 (also
 * for unimplemented addresses). With PSR.dt = 0 the SDM searches only the DTLB, which is all this
 * abstraction has, so PSR.dt does not change the result. With PSR.vm = 1 at cpl 0, after the NaT
 * check, VTI.INTERCEPT.TAK.
 */
export const tak = (c: Ctx, r1: number, r3: number): VtiObservation => {
  if (!c.tgt(r1) || !c.src(r3)) return c.illegal();
  if (c.cpl !== 0) return c.privileged();
  if (c.nat(r3)) return c.natConsumption();
  if (c.guest) return c.intercept('EVENT_TAK');
  const va = c.val(r3);
  const e = c.implemented(va) ? dataTranslation(c.m, va) : null;
  const v = e !== null && ptePresent(e.pte) ? (e.key & lowMask(24)) << 8n : 1n;
  c.m.setGr(r1, v);
  return c.done(v);
};

const newEntry = (c: Ctx, pte: bigint): MutableTlbEntry => {
  const ifa = c.m.crValue(CR.ifa);
  const itir = c.m.crValue(CR.itir);
  const ps = Number(fieldOf(itir, 7, 2));
  return { vadr: ifa & ~lowMask(ps), rid: ridFor(c.m, ifa), ps, pte, key: fieldOf(itir, 31, 8) };
};

/** itc / itr read IFA; an unimplemented IFA is an Unimplemented Data Address fault (we do not check at mov cr.ifa: impl_check_mov_ifa() = 0). */
const ifaImplemented = (c: Ctx): boolean => c.implemented(c.m.crValue(CR.ifa));

const purgeSide = (c: Ctx, side: TlbSide, hit: (e: MutableTlbEntry) => boolean): void => {
  if (side === 'i') c.m.itc = purge(c.m.itc, hit);
  else c.m.dtc = purge(c.m.dtc, hit);
};

/**
 * itc.i / itc.d (VTI.NATIVE.ITC): insert (IFA, ITIR, r2) into the TC, purging overlapping entries;
 * PSR.ic = 1 is an Illegal Operation fault natively. With PSR.vm = 1 at cpl 0, after the NaT and IFA checks,
 * VTI.INTERCEPT.ITC_I / VTI.INTERCEPT.ITC_D.
 */
export const itc = (c: Ctx, side: TlbSide, r2: number): VtiObservation => {
  if (!c.src(r2)) return c.illegal();
  if (!c.guest && c.m.psrBit(PSR_BIT.ic)) return c.illegal('VTI.NATIVE.ITC');
  if (c.cpl !== 0) return c.privileged();
  if (c.nat(r2)) return c.natConsumption();
  if (!ifaImplemented(c)) return c.fault('unimplementedDataAddress', { ifa: c.m.crValue(CR.ifa) }, 'VTI.UNIMPL_VA.DATA');
  if (c.guest) return c.intercept(side === 'd' ? 'EVENT_ITC_D' : 'EVENT_ITC_I');
  const e = newEntry(c, c.val(r2));
  purgeSide(c, side, (x) => overlaps(x, e.vadr, e.ps, e.rid));
  if (side === 'i') c.m.itc.push(e);
  else c.m.dtc.push(e);
  return c.done();
};

/**
 * itr.i / itr.d (VTI.NATIVE.ITR): insert into TR slot r3{7:0} (a slot beyond the implemented ones is a
 * Reserved Register/Field fault); PSR.ic = 1 is an Illegal Operation fault natively. With PSR.vm = 1 at
 * cpl 0, after the NaT, slot and IFA checks, VTI.INTERCEPT.ITR_I / VTI.INTERCEPT.ITR_D.
 */
export const itr = (c: Ctx, side: TlbSide, r3: number, r2: number): VtiObservation => {
  if (!c.src(r2) || !c.src(r3)) return c.illegal();
  if (!c.guest && c.m.psrBit(PSR_BIT.ic)) return c.illegal('VTI.NATIVE.ITR');
  if (c.cpl !== 0) return c.privileged();
  if (c.nat(r2) || c.nat(r3)) return c.natConsumption();
  const slot = Number(c.val(r3) & 0xffn);
  const slots = side === 'i' ? c.m.itr : c.m.dtr;
  if (slot >= slots.length) return c.reservedField('VTI.NATIVE.ITR');
  if (!ifaImplemented(c)) return c.fault('unimplementedDataAddress', { ifa: c.m.crValue(CR.ifa) }, 'VTI.UNIMPL_VA.DATA');
  if (c.guest) return c.intercept(side === 'd' ? 'EVENT_ITR_D' : 'EVENT_ITR_I');
  const e = newEntry(c, c.val(r2));
  purgeSide(c, side, (x) => overlaps(x, e.vadr, e.ps, e.rid));
  slots[slot] = e;
  return c.done();
};

/**
 * ptc.l / ptc.g / ptc.ga r3, r2 (VTI.NATIVE.PTC): purge TC entries (both sides) overlapping r3 at size
 * 2^r2{7:2}; one processor, so g / ga purge locally. With PSR.vm = 1 at cpl 0, after the NaT and address
 * checks, VTI.INTERCEPT.PTC_L / VTI.INTERCEPT.PTC_G / VTI.INTERCEPT.PTC_GA.
 */
export const ptc = (c: Ctx, scope: 'l' | 'g' | 'ga', r3: number, r2: number): VtiObservation => {
  if (!c.src(r2) || !c.src(r3)) return c.illegal();
  if (c.cpl !== 0) return c.privileged();
  if (c.nat(r2) || c.nat(r3)) return c.natConsumption();
  const va = c.val(r3);
  if (!c.implemented(va)) return c.fault('unimplementedDataAddress', { ifa: va }, 'VTI.UNIMPL_VA.DATA');
  if (c.guest) return c.intercept(scope === 'l' ? 'EVENT_PTC_L' : scope === 'g' ? 'EVENT_PTC_G' : 'EVENT_PTC_GA');
  const ps = Number(fieldOf(c.val(r2), 7, 2));
  const rid = ridFor(c.m, va);
  const hit = (e: MutableTlbEntry): boolean => overlaps(e, va, ps, rid);
  c.m.itc = purge(c.m.itc, hit);
  c.m.dtc = purge(c.m.dtc, hit);
  return c.done();
};

/** ptc.e (VTI.NATIVE.PTC): the abstraction purges the whole local TC; with PSR.vm = 1 at cpl 0, VTI.INTERCEPT.PTC_E. */
export const ptcE = (c: Ctx, r3: number): VtiObservation => {
  if (!c.src(r3)) return c.illegal();
  if (c.cpl !== 0) return c.privileged();
  if (c.nat(r3)) return c.natConsumption();
  if (c.guest) return c.intercept('EVENT_PTC_E');
  c.m.itc = [];
  c.m.dtc = [];
  return c.done();
};

/**
 * ptr.i / ptr.d (VTI.NATIVE.PTR): purge the side's translation registers and TC entries overlapping r3 at
 * size 2^r2{7:2}. With PSR.vm = 1 at cpl 0, after the NaT and address checks, VTI.INTERCEPT.PTR_I /
 * VTI.INTERCEPT.PTR_D.
 */
export const ptr = (c: Ctx, side: TlbSide, r3: number, r2: number): VtiObservation => {
  if (!c.src(r2) || !c.src(r3)) return c.illegal();
  if (c.cpl !== 0) return c.privileged();
  if (c.nat(r2) || c.nat(r3)) return c.natConsumption();
  const va = c.val(r3);
  if (!c.implemented(va)) return c.fault('unimplementedDataAddress', { ifa: va }, 'VTI.UNIMPL_VA.DATA');
  if (c.guest) return c.intercept(side === 'd' ? 'EVENT_PTR_D' : 'EVENT_PTR_I');
  const ps = Number(fieldOf(c.val(r2), 7, 2));
  const rid = ridFor(c.m, va);
  const hit = (e: MutableTlbEntry): boolean => overlaps(e, va, ps, rid);
  const trs = side === 'i' ? c.m.itr : c.m.dtr;
  trs.forEach((e, i) => {
    if (e !== null && hit(e)) trs[i] = null;
  });
  purgeSide(c, side, hit);
  return c.done();
};

/**
 * probe.r / probe.w r1 = r3, r2, the regular form (VTI.NATIVE.PROBE; not privileged): after
 * tlb_translate_nonaccess (which faults on a miss or a non-present page; with PSR.dt = 0 it looks in
 * the DTLB only, VTI.NATIVE.PROBE_DTLB_ONLY), 1 when the translation allows the access at privilege
 * max(r2{1:0}, PSR.cpl) (SDM 2:§4.1.1.5 access rights), else 0. An unimplemented address is not a
 * fault for this form: it answers 0 (SDM 3:217, VTI.UNIMPL_VA.PROBE). With PSR.vm = 1 it intercepts
 * (cause 41, VTI.INTERCEPT.PROBE) only where the profile implements that optional intercept.
 */
export const probe = (c: Ctx, access: 'r' | 'w', r1: number, r3: number, r2: number): VtiObservation => {
  if (!c.tgt(r1) || !c.src(r2) || !c.src(r3)) return c.illegal();
  if (c.nat(r2) || c.nat(r3)) return c.natConsumption();
  if (c.guest && c.profile.optional.probeIntercept) return c.intercept('probe');
  const va = c.val(r3);
  if (!c.implemented(va)) {
    c.m.setGr(r1, 0n);
    return c.done(0n);
  }
  const pl = Math.max(Number(c.val(r2) & 3n), c.cpl);
  const e = nonAccessTranslation(c, va, 'probe', 'VTI.NATIVE.PROBE', access === 'r' ? ISR.r : ISR.w);
  if (!isEntry(e)) return e;
  const ok = access === 'r' ? mayRead(pteAr(e.pte), ptePl(e.pte), pl) : mayWrite(pteAr(e.pte), ptePl(e.pte), pl);
  const v = ok ? 1n : 0n;
  c.m.setGr(r1, v);
  return c.done(v);
};
