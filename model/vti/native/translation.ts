/**
 * The translation queries with nothing virtualized: thash and ttag (SDM 3:265), tpa, tak and probe.
 * thash's short-format hash is architectural; the long-format hash and ttag's tag are
 * implementation-specific, so their value is open (`anyValue`); so is the value of a NaT result.
 */
import { bits, hex, mapGet, u64 } from '../bits.js';
import { vaImplemented } from '../address-space.js';
import { raise, type InterruptionRequestExtra } from '../interruption.js';
import { NON_ACCESS_CODE } from '../../../spec/vti/machine/faults.js';
import { because, type Decision } from '../outcome.js';
import { readGr } from '../registers.js';
import { lookup } from '../tlb.js';
import { complete, gr, natConsumption, val, type Ctx } from './common.js';

const REGION = 0xe000_0000_0000_0000n;
const OFFSET = 0x1fff_ffff_ffff_ffffn;
const ISR_R = 1n << 34n;
const ISR_W = 1n << 33n;
const ISR_NA = 1n << 35n;

const openGr = (d: Decision, r1: number): Decision => ({ ...d, anyValue: [{ where: 'executed-value' }, { where: 'gr', index: r1 }] });

/**
 * Short-format VHPT hash (PTA.vf = 0), SDM 2:§4.1.6.1 (Figure 4-14): the region of the address, the
 * table base PTA{60:15} above the table size, and the entry offset (VPN << 3) below it. The size masks
 * offset bits 60:15 only, so below the 2^15 minimum size offset bits 14:0 still pass and PTA{14:0}
 * (ve, size, vf) never does. With the minimum size or more this is the LK/XEN formula.
 */
export const shortFormatHash = (vadr: bigint, pta: bigint, vrr: bigint): bigint => {
  const size = bits(pta, 7, 2);
  const ps = bits(vrr, 7, 2);
  const offsetMask = (1n << (size > 15n ? size : 15n)) - 1n;
  const base = pta & OFFSET & ~0x7fffn & ~((1n << size) - 1n);
  return u64((vadr & REGION) | base | (u64((vadr >> ps) << 3n) & offsetMask));
};

/** A long-format hash (PTA.vf = 1); implementation-specific, this one is Xen's software hash. */
export const longFormatHash = (vadr: bigint, pta: bigint, vrr: bigint): bigint => {
  const size = bits(pta, 7, 2);
  const ps = bits(vrr, 7, 2);
  const rid = bits(vrr, 31, 8);
  return u64(((pta & ~0x7fffn) & ~((1n << size) - 1n)) | ((((vadr & OFFSET) >> ps) ^ rid) << 5n & ((1n << size) - 1n)));
};

/** A VHPT tag; implementation-specific, this one is Xen's. */
export const tag = (vadr: bigint, vrr: bigint): bigint => u64(((vadr & OFFSET) >> bits(vrr, 7, 2)) ^ (bits(vrr, 31, 8) << 39n));

const natResult = (ctx: Ctx, r1: number, r3: number, rule: string): Decision | null => {
  const src = readGr(ctx.state, r3);
  if (src.nat) return openGr(complete(ctx, ctx.state, [because(rule, `r${r3} is NaT: r${r1} = NaT`)], { r1, g: gr(0n, true) }), r1);
  if (!vaImplemented(ctx.profile, ctx.state.psr, src.value)) {
    return openGr(complete(ctx, ctx.state, [because('VTI.UNIMPL_VA.THASH_TTAG', `${hex(src.value)} is unimplemented: undefined result with NaT, no fault`)], { r1, g: gr(0n, true) }), r1);
  }
  return null;
};

/** thash r1 = r3. Implements VTI.NATIVE.THASH (and VTI.UNIMPL_VA.THASH_TTAG). */
export const thash = (ctx: Ctx, r1: number, r3: number): Decision => {
  const nat = natResult(ctx, r1, r3, 'VTI.NATIVE.THASH');
  if (nat !== null) return nat;
  const vadr = val(ctx, r3);
  const pta = mapGet(ctx.state.cr, 8);
  const vrr = ctx.state.rr[Number(bits(vadr, 63, 61))] ?? 0n;
  if (bits(pta, 8, 8) === 1n) {
    return openGr(complete(ctx, ctx.state, [because('VTI.NATIVE.THASH', 'PTA.vf = 1: long-format hash, implementation-specific')], { r1, g: gr(longFormatHash(vadr, pta, vrr)) }), r1);
  }
  return complete(ctx, ctx.state, [because('VTI.NATIVE.THASH', 'PTA.vf = 0: short-format hash')], { r1, g: gr(shortFormatHash(vadr, pta, vrr)) });
};

/** ttag r1 = r3. Implements VTI.NATIVE.TTAG (and VTI.UNIMPL_VA.THASH_TTAG). */
export const ttag = (ctx: Ctx, r1: number, r3: number): Decision => {
  const nat = natResult(ctx, r1, r3, 'VTI.NATIVE.TTAG');
  if (nat !== null) return nat;
  const vadr = val(ctx, r3);
  const vrr = ctx.state.rr[Number(bits(vadr, 63, 61))] ?? 0n;
  return openGr(complete(ctx, ctx.state, [because('VTI.NATIVE.TTAG', 'tag is implementation-specific')], { r1, g: gr(tag(vadr, vrr)) }), r1);
};

const ISR_CODE = NON_ACCESS_CODE;

/** A named fault with the non-access instruction's ISR.code. */
const raiseCoded = (ctx: Ctx, name: 'dataTlb' | 'alternateDataTlb' | 'pageNotPresent', isrCode: number, trace: Parameters<typeof raise>[2], extra: InterruptionRequestExtra): Decision =>
  raise(ctx.state, name, trace, { ...extra, isrCode });

/**
 * ITIR as a TLB fault supplies it: the region's default page size and its rid as the key (SDM 2:§8,
 * Data TLB / Alternate Data TLB vectors).
 */
const defaultItir = (rr: bigint): bigint => (bits(rr, 7, 2) << 2n) | (bits(rr, 31, 8) << 8n);

/**
 * The data translation of r3 for tpa and probe (tlb_translate_nonaccess), or the fault it takes: a
 * miss is a Data TLB fault with the VHPT walker on for the region (PTA.ve = RR.ve = 1; the walk is
 * abstracted away and finds nothing; IHA = the hash) and an Alternate Data TLB fault otherwise; a
 * translation with p = 0 is a Page Not Present fault. ISR.na = 1 with the instruction in ISR.code,
 * IFA = the address, ITIR = the region's defaults. A probe with PSR.dt = 0 queries the DTLB only
 * (VTI.NATIVE.PROBE_DTLB_ONLY). An unimplemented address is the caller's (tpa faults, probe returns 0).
 */
const nonAccess = (ctx: Ctx, vadr: bigint, kind: 'tpa' | 'probe', rule: string, access: bigint) => {
  const isrBits = ISR_NA | access;
  const rr = ctx.state.rr[Number(bits(vadr, 63, 61))] ?? 0n;
  const entry = lookup(ctx.state, 'd', vadr);
  const extra = { ifa: vadr, isrBits, itir: defaultItir(rr) };
  const code = { isrCode: ISR_CODE[kind] };
  if (entry === null) {
    const pta = mapGet(ctx.state.cr, 8);
    const dtlbOnly = kind === 'probe' && bits(ctx.state.psr, 17, 17) === 0n;
    const walker = !dtlbOnly && bits(pta, 0, 0) === 1n && bits(rr, 0, 0) === 1n;
    const why = dtlbOnly
      ? because('VTI.NATIVE.PROBE_DTLB_ONLY', `PSR.dt = 0: no DTLB translation for ${hex(vadr)}, the VHPT walker is not used`)
      : because(rule, `no DTLB translation for ${hex(vadr)} (VHPT walker ${walker ? 'on' : 'off: PTA.ve or RR.ve is 0'})`);
    const iha = bits(pta, 8, 8) === 1n ? longFormatHash(vadr, pta, rr) : shortFormatHash(vadr, pta, rr);
    return { ok: false, fault: raiseCoded(ctx, walker ? 'dataTlb' : 'alternateDataTlb', code.isrCode, [why], walker ? { ...extra, iha } : extra) } as const;
  }
  if (bits(entry.pte, 0, 0) === 0n) {
    return { ok: false, fault: raiseCoded(ctx, 'pageNotPresent', code.isrCode, [because(rule, `the translation of ${hex(vadr)} has p = 0`)], extra) } as const;
  }
  return { ok: true, vadr, entry } as const;
};

/** tpa r1 = r3. Implements VTI.NATIVE.TPA (an unimplemented address: VTI.UNIMPL_VA.DATA). */
export const tpa = (ctx: Ctx, r1: number, r3: number): Decision => {
  const nat = natConsumption(ctx, [r3]);
  if (nat !== null) return nat;
  const vadr = val(ctx, r3);
  if (!vaImplemented(ctx.profile, ctx.state.psr, vadr)) {
    return raise(ctx.state, 'unimplementedDataAddress', [because('VTI.UNIMPL_VA.DATA', `${hex(vadr)} is unimplemented`)], { ifa: vadr, isrBits: ISR_NA });
  }
  const t = nonAccess(ctx, vadr, 'tpa', 'VTI.NATIVE.TPA', 0n);
  if (!t.ok) return t.fault;
  const mask = (1n << BigInt(t.entry.ps)) - 1n;
  const pa = ((bits(t.entry.pte, 49, 12) << 12n) & ~mask) | (t.vadr & mask);
  return complete(ctx, ctx.state, [because('VTI.NATIVE.TPA', `physical address ${hex(pa)}`)], { r1, g: gr(pa) });
};

/**
 * tak r1 = r3. Implements VTI.NATIVE.TAK: the key of a present DTLB translation in bits 31:8 (the
 * ITIR/PKR format); 1 when there is none or the address is unimplemented (no fault). With PSR.dt = 0
 * only the walker is off (SDM 3:260): the DTLB, all this model has, is still searched.
 */
export const tak = (ctx: Ctx, r1: number, r3: number): Decision => {
  const nat = natConsumption(ctx, [r3]);
  if (nat !== null) return nat;
  const vadr = val(ctx, r3);
  const e = vaImplemented(ctx.profile, ctx.state.psr, vadr) ? lookup(ctx.state, 'd', vadr) : null;
  const key = e !== null && bits(e.pte, 0, 0) === 1n ? (e.key & 0xff_ffffn) << 8n : 1n;
  return complete(ctx, ctx.state, [because('VTI.NATIVE.TAK', key === 1n ? 'no usable translation: 1' : `key ${hex(e?.key ?? 0n)}`)], { r1, g: gr(key) });
};

/** Whether access rights `ar` and page privilege `ppl` allow `access` at privilege `pl` (SDM 2:§4.1.1.5, simplified). */
const permits = (access: 'r' | 'w', ar: number, ppl: number, pl: number): boolean => {
  if (pl > ppl) return false;
  if (access === 'r') return ar !== 7 || pl === 0;
  return ar === 2 || ar === 3 || ar === 6 || ((ar === 4 || ar === 5) && pl === 0);
};

/**
 * probe.r / probe.w r1 = r3, r2 (the regular form). Implements VTI.NATIVE.PROBE: 1 when the DTLB
 * translation allows the access at privilege max(r2{1:0}, PSR.cpl), else 0; faults as tpa does on a
 * miss, but with PSR.dt = 0 on the DTLB alone (VTI.NATIVE.PROBE_DTLB_ONLY). An unimplemented address
 * gives 0 without a fault (VTI.UNIMPL_VA.PROBE, SDM 3:217).
 */
export const probe = (ctx: Ctx, access: 'r' | 'w', r1: number, r3: number, r2: number): Decision => {
  const nat = natConsumption(ctx, [r2, r3]);
  if (nat !== null) return nat;
  const vadr = val(ctx, r3);
  if (!vaImplemented(ctx.profile, ctx.state.psr, vadr)) {
    return complete(ctx, ctx.state, [because('VTI.UNIMPL_VA.PROBE', `${hex(vadr)} is unimplemented: 0, no fault`)], { r1, g: gr(0n) });
  }
  const t = nonAccess(ctx, vadr, 'probe', 'VTI.NATIVE.PROBE', access === 'r' ? ISR_R : ISR_W);
  if (!t.ok) return t.fault;
  const pl = Math.max(Number(val(ctx, r2) & 3n), Number(bits(ctx.state.psr, 33, 32)));
  const ok = permits(access, Number(bits(t.entry.pte, 11, 9)), Number(bits(t.entry.pte, 8, 7)), pl);
  return complete(ctx, ctx.state, [because('VTI.NATIVE.PROBE', ok ? 'access allowed: 1' : 'access not allowed: 0')], { r1, g: gr(ok ? 1n : 0n) });
};
