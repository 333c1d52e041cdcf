/**
 * fast-check arbitraries for VT-i: processor profiles, starting states (a guest running with
 * PSR.vm = 1 under a VP whose VPD has random vac / vdc bits, vpsr, vCRs, vhpi and vtpr; the VMM inside
 * its intercept handler; a processor after reset) and step sequences drawing every VtiInstruction
 * op, every event and every PAL call, with operands biased towards what the rules look at (the VPD
 * fields, the VMM's half of the address space, unimplemented addresses, NaT registers, registers
 * outside the frame, reserved CRs and ARs).
 *
 * A start is plain data (`VtiStart`) realised by `realiseVtiStart`, so a failing case prints readably.
 */
import fc from 'fast-check';
import type { PalCall, VtiEvent, VtiStepInput } from '../../spec/vti/machine/events.js';
import { AR, type CmpRelation, type IndirectFile, type VtiInstruction, type VtiOp } from '../../spec/vti/machine/instructions.js';
import { DEFAULT_GUEST, guestState, initialVtiState, PSR } from '../../spec/vti/machine/initial.js';
import { DEFAULT_VTI_PROFILE, NO_VT_PROFILE, PAL_FEATURE_VMSW, type VtiProfile } from '../../spec/vti/machine/profile.js';
import type { Gr, TlbEntry, VtiState } from '../../spec/vti/machine/state.js';
import { VPD_OFFSETS } from '../../spec/vti/machine/state.js';
import { VMM_CONFIG_OPTIONS } from '../../spec/vti/pal.js';
import { vcrOffset } from '../../spec/vti/vpd.js';

// ---------------------------------------------------------------------------------------------
// Profiles

export const VTI_TEST_PROFILES = {
  default: DEFAULT_VTI_PROFILE,
  /** Every optional feature: gitc, the probe intercept, IIB0/1. */
  rich: { ...DEFAULT_VTI_PROFILE, name: 'rich', gitc: true, optional: { probeIntercept: true, iib: true } },
  /** VT-i without vmsw (PAL_PROC_GET_FEATURES bit 54 clear). */
  noVmsw: { ...DEFAULT_VTI_PROFILE, name: 'no-vmsw', palProcFeatures: DEFAULT_VTI_PROFILE.palProcFeatures & ~(1n << PAL_FEATURE_VMSW) },
  noVt: NO_VT_PROFILE,
} as const satisfies Record<string, VtiProfile>;
export type VtiTestProfile = keyof typeof VTI_TEST_PROFILES;

export const vtiProfileArb: fc.Arbitrary<VtiTestProfile> = fc.oneof(
  { arbitrary: fc.constant('default' as const), weight: 14 },
  { arbitrary: fc.constant('rich' as const), weight: 4 },
  { arbitrary: fc.constant('noVmsw' as const), weight: 1 },
  { arbitrary: fc.constant('noVt' as const), weight: 1 },
);

// ---------------------------------------------------------------------------------------------
// Addresses and values the rules look at

const VPD = DEFAULT_GUEST.vpdAddress;
/** A second VPD-sized area whose memory may hold a VPD image ready for PAL_VP_CREATE. */
export const SPARE_VPD = VPD + 0x2_0000n;
/** 32 KiB after the current VPD: aligned, but overlapping it. */
const OVERLAPPING_VPD = VPD + 0x8000n;
const OTHER_IVA = 0xfffc_0000_0020_0000n;
const OPT_HANDLER = 0xfffc_0000_0030_0000n;
const GUEST_DATA = 0x0000_0000_0050_0000n;
/** Region 7 low half: implemented for guest and VMM. */
const GUEST_KERNEL = 0xe000_0000_0010_0000n;
/** Bit 52 set alone: unimplemented with PSR.vm = 0 and 1. */
const UNIMPLEMENTED = 0x0010_0000_0000_0000n;
/** The VMM half (bits 60:50 set): implemented only with PSR.vm = 0. */
const VMM_ONLY = 0xfffc_0000_0000_2000n;

const ADDRESSES = [
  GUEST_DATA, GUEST_DATA + 8n, GUEST_DATA + 0x40n, GUEST_DATA + 3n, GUEST_KERNEL, GUEST_KERNEL + 0x10n, DEFAULT_GUEST.ip,
  VPD, VPD + BigInt(VPD_OFFSETS.vdc), VPD + BigInt(VPD_OFFSETS.vhpi), VPD + BigInt(VPD_OFFSETS.vpsr), VPD + BigInt(VPD_OFFSETS.vgr),
  VPD + BigInt(VPD_OFFSETS.vnat), VPD + BigInt(vcrOffset(16)), VPD + BigInt(vcrOffset(23)), VPD + BigInt(vcrOffset(66)), VPD + 0x7c00n,
  VPD + 0x4n, SPARE_VPD, SPARE_VPD + 8n, SPARE_VPD + 0x10n, UNIMPLEMENTED, VMM_ONLY, VMM_ONLY + 0x5n, 0x0008_0000_0000_0000n,
  0x1ffe_0000_0000_0000n, 0xffff_ffff_ffff_fff8n,
] as const;

const u64Arb = fc.bigInt({ min: 0n, max: 0xffff_ffff_ffff_ffffn });
const addressArb = fc.constantFrom(...ADDRESSES);
/** Region registers: rid 0-3 (so regions share RIDs), ps 12-16, ve; sometimes a reserved bit. */
const rrArb = fc.tuple(fc.nat({ max: 3 }), fc.constantFrom(12, 13, 14, 16), fc.boolean(), fc.nat({ max: 9 }))
  .map(([rid, ps, ve, r]) => (BigInt(rid) << 8n) | (BigInt(ps) << 2n) | (ve ? 1n : 0n) | (r === 0 ? 1n << 40n : 0n));
/** PTEs: p, pl, ar, ppn. */
const pteArb = fc.tuple(fc.boolean(), fc.nat({ max: 3 }), fc.nat({ max: 7 }), fc.nat({ max: 0xffff }))
  .map(([p, pl, ar, ppn]) => (p ? 1n : 0n) | (BigInt(pl) << 7n) | (BigInt(ar) << 9n) | (BigInt(ppn) << 12n));
/** PSR-like values (for mov psr.l, IPSR): combinations of the named bits, sometimes a reserved one. */
const PSR_NAMED = [PSR.be, PSR.up, PSR.ac, PSR.mfl, PSR.ic, PSR.i, PSR.pk, PSR.dt, PSR.sp, PSR.si, PSR.rt, PSR.it, PSR.bn, PSR.vm, PSR.ss, PSR.mc];
const psrLikeArb = fc.tuple(fc.subarray(PSR_NAMED), fc.nat({ max: 3 }), fc.nat({ max: 2 }), fc.nat({ max: 7 }))
  .map(([bits, cpl, ri, r]) => bits.reduce((a, b) => a | b, 0n) | (BigInt(cpl) << 32n) | (BigInt(ri) << 41n) | (r === 0 ? 1n << 7n : 0n));
/** TPR values: mic 0-15, mmi. */
const tprArb = fc.tuple(fc.nat({ max: 15 }), fc.boolean()).map(([mic, mmi]) => (BigInt(mic) << 4n) | (mmi ? 1n << 16n : 0n));
/** PTA: base, size 15-22, vf, ve. */
const ptaArb = fc.tuple(fc.nat({ max: 7 }), fc.integer({ min: 15, max: 22 }), fc.boolean(), fc.boolean())
  .map(([b, size, vf, ve]) => (BigInt(b + 1) << 24n) | (BigInt(size) << 2n) | (vf ? 1n << 8n : 0n) | (ve ? 1n : 0n));
/** IFS: v with a frame of sof ≤ 16. */
const ifsArb = fc.tuple(fc.boolean(), fc.nat({ max: 16 }), fc.nat({ max: 16 }))
  .map(([v, sof, sol]) => (v ? 1n << 63n : 0n) | BigInt(sof) | (BigInt(Math.min(sol, sof)) << 7n));

const valueArb: fc.Arbitrary<bigint> = fc.oneof(
  { arbitrary: addressArb, weight: 6 },
  { arbitrary: fc.bigInt({ min: 0n, max: 300n }), weight: 4 },
  { arbitrary: rrArb, weight: 2 },
  { arbitrary: pteArb, weight: 2 },
  { arbitrary: psrLikeArb, weight: 2 },
  { arbitrary: tprArb, weight: 1 },
  { arbitrary: u64Arb, weight: 2 },
);

// ---------------------------------------------------------------------------------------------
// Starting states

export type VtiContext = 'guest' | 'vmm' | 'reset';

export interface VtiStart {
  readonly profile: VtiTestProfile;
  readonly context: VtiContext;
  readonly vac: bigint;
  readonly vdc: bigint;
  readonly cpl: number;
  readonly vpsr: bigint;
  /** Physical PSR bits flipped from what the VMMs resume guests with (ic, i, si, it). */
  readonly psrFlips: bigint;
  readonly vcr: readonly (readonly [number, bigint])[];
  readonly vhpi: bigint;
  /** The latched pending virtual interrupt, when it differs from vhpi (the VMM has not called SET_PENDING_INTERRUPT yet). */
  readonly latched: bigint | null;
  readonly configOptions: bigint;
  readonly optHandler: bigint;
  readonly grs: readonly (readonly [number, bigint, boolean])[];
  readonly inactiveBank: readonly (readonly [number, bigint])[];
  readonly sof: number;
  readonly sol: number;
  readonly rr: readonly bigint[];
  readonly crs: readonly (readonly [number, bigint])[];
  readonly inService: bigint;
  readonly tlb: readonly (readonly ['itc' | 'dtc' | 'itr' | 'dtr', number, bigint, bigint])[];
  /** An ITC entry for the guest's code page, access rights 7 (vmsw may switch without an intercept). */
  readonly codePageAr7: boolean;
  readonly memory: readonly (readonly [bigint, bigint])[];
  /** A VPD image in memory at SPARE_VPD (vac, vdc, virt_env_vaddr right or wrong). */
  readonly spareVpd: { readonly vac: bigint; readonly vdc: bigint; readonly envOk: boolean } | null;
  readonly ar: readonly (readonly [number, bigint])[];
  readonly pr: bigint;
  readonly br0: bigint;
}

const VAC_ARB = fc.subarray([0, 1, 2, 3, 4, 5, 6]).map((bits) => bits.reduce((a, b) => a | (1n << BigInt(b)), 0n));
const VDC_ARB = fc.subarray([0, 1, 2, 3, 4, 5]).map((bits) => bits.reduce((a, b) => a | (1n << BigInt(b)), 0n));
/** a_int and d_extint exclude each other in a created VP (PAL_VP_CREATE rejects the pair). */
const compatible = (vac: bigint, vdc: bigint): bigint => ((vac & 1n) === 1n ? vdc & ~2n : vdc);

const VCR_NUMBERS = [0, 1, 2, 8, 16, 17, 19, 20, 21, 22, 23, 24, 25, 64, 65, 66, 67, 68, 72] as const;
const vcrArb = fc.array(fc.tuple(fc.constantFrom(...VCR_NUMBERS), valueArb), { maxLength: 6 })
  .chain((list) => fc.tuple(tprArb, ptaArb, ifsArb).map(([tpr, pta, ifs]) => [...list, [66, tpr] as const, [8, pta] as const, [23, ifs] as const]));

/** Vectors the LSAPIC pends: ExtINT, NMI, maskable; IRR words built from a few of them. */
const vectorArb = fc.oneof(fc.constantFrom(0, 2), fc.integer({ min: 16, max: 255 }));
const irrArb = fc.oneof({ arbitrary: fc.constant([] as number[]), weight: 3 }, { arbitrary: fc.array(vectorArb, { minLength: 1, maxLength: 3 }), weight: 1 }).map((vs) => {
  const words = [0n, 0n, 0n, 0n];
  for (const v of vs) words[v >> 6] = (words[v >> 6] ?? 0n) | (1n << BigInt(v & 63));
  return words.flatMap((w, i) => (w === 0n ? [] : [[68 + i, w] as const]));
});
const crArb = fc.tuple(
  tprArb, ptaArb, psrLikeArb, fc.constantFrom(DEFAULT_GUEST.ip, GUEST_KERNEL, UNIMPLEMENTED, VMM_ONLY, DEFAULT_GUEST.ip + 0x30n), ifsArb,
  fc.constantFrom(GUEST_DATA, UNIMPLEMENTED, VMM_ONLY), fc.nat({ max: 3 }), irrArb, fc.nat({ max: 255 }), fc.boolean(), fc.bigInt({ min: 0n, max: 400n }),
).map(([tpr, pta, ipsr, iip, ifs, ifa, dcr, irr, itv, itvMasked, itm]) => [
  [66, tpr] as const, [8, pta] as const, [16, ipsr] as const, [19, iip] as const, [23, ifs] as const, [20, ifa] as const,
  [21, 13n << 2n] as const, [0, BigInt(dcr)] as const, [72, BigInt(itv) | (itvMasked ? 1n << 16n : 0n)] as const, [1, itm] as const,
  ...irr,
]);

const grArb = fc.tuple(
  fc.oneof(fc.integer({ min: 1, max: 15 }), fc.integer({ min: 16, max: 31 }), fc.integer({ min: 32, max: 47 })),
  valueArb, fc.nat({ max: 9 }),
).map(([r, v, n]) => [r, v, n === 0] as const);

const tlbArb = fc.array(fc.tuple(
  fc.constantFrom('itc' as const, 'dtc' as const, 'itr' as const, 'dtr' as const), fc.nat({ max: 7 }),
  fc.constantFrom(GUEST_DATA, GUEST_KERNEL, DEFAULT_GUEST.ip, VMM_ONLY), pteArb,
), { maxLength: 4 });

export const vtiStartArb: fc.Arbitrary<VtiStart> = fc.record({
  profile: vtiProfileArb,
  context: fc.oneof({ arbitrary: fc.constant('guest' as const), weight: 7 }, { arbitrary: fc.constant('vmm' as const), weight: 2 }, { arbitrary: fc.constant('reset' as const), weight: 1 }),
  vac: VAC_ARB,
  vdc: VDC_ARB,
  cpl: fc.oneof({ arbitrary: fc.constant(0), weight: 4 }, { arbitrary: fc.integer({ min: 1, max: 3 }), weight: 1 }),
  vpsr: fc.tuple(fc.subarray([PSR.ic, PSR.i, PSR.bn, PSR.dt, PSR.rt, PSR.it, PSR.pk, PSR.be]), fc.boolean())
    .map(([bits, kernel]) => bits.reduce((a, b) => a | b, 0n) | (kernel ? 0n : 3n << 32n)),
  psrFlips: fc.subarray([PSR.ic, PSR.i, PSR.si, PSR.it], { maxLength: 1 }).map((bits) => bits.reduce((a, b) => a | b, 0n)),
  vcr: vcrArb,
  vhpi: fc.oneof(fc.constant(0n), fc.bigInt({ min: 1n, max: 15n }), fc.constantFrom(16n, 32n)),
  latched: fc.option(fc.bigInt({ min: 0n, max: 32n }), { freq: 4 }),
  configOptions: fc.constantFrom(VMM_CONFIG_OPTIONS.first, VMM_CONFIG_OPTIONS.first, VMM_CONFIG_OPTIONS.others, VMM_CONFIG_OPTIONS.first & ~(1n << 9n), VMM_CONFIG_OPTIONS.first | (1n << 10n)),
  optHandler: fc.constantFrom(0n, 0n, 0n, OPT_HANDLER),
  grs: fc.array(grArb, { maxLength: 14 }),
  inactiveBank: fc.array(fc.tuple(fc.integer({ min: 16, max: 31 }), valueArb), { maxLength: 4 }),
  sof: fc.integer({ min: 0, max: 24 }),
  sol: fc.integer({ min: 0, max: 24 }),
  rr: fc.array(rrArb.map((v) => v & ~(1n << 40n)), { minLength: 8, maxLength: 8 }),
  crs: crArb,
  inService: fc.constantFrom(0n, 0n, 1n << 40n, 1n << 2n, 1n),
  tlb: tlbArb,
  codePageAr7: fc.boolean(),
  memory: fc.array(fc.tuple(fc.constantFrom(GUEST_DATA, GUEST_DATA + 8n, GUEST_KERNEL, VMM_ONLY), valueArb), { maxLength: 3 }),
  spareVpd: fc.option(fc.record({ vac: VAC_ARB, vdc: VDC_ARB, envOk: fc.nat({ max: 4 }).map((n) => n !== 0) }), { freq: 2 }),
  ar: fc.array(fc.tuple(fc.constantFrom(AR.k0, 3, AR.rsc, AR.itc, AR.pfs, AR.lc, AR.ec, 32, 36), fc.oneof(fc.bigInt({ min: 0n, max: 64n }), u64Arb)), { maxLength: 4 }),
  pr: u64Arb.map((v) => v | 1n),
  br0: fc.constantFrom(DEFAULT_GUEST.ip + 0x100n, GUEST_KERNEL, UNIMPLEMENTED, VMM_ONLY),
});

const setGr = (grs: Gr[], r: number, value: bigint, nat: boolean): void => {
  grs[r] = { value, nat };
};

/** The VtiState a start describes, on its profile. */
export const realiseVtiStart = (s: VtiStart): { readonly profile: VtiProfile; readonly state: VtiState } => {
  const profile: VtiProfile = VTI_TEST_PROFILES[s.profile];
  const vdc = compatible(s.vac, s.vdc);
  const vcr = new Map<number, bigint>(s.vcr.map(([n, v]) => [n, v]));
  const base = s.context === 'reset' ? initialVtiState(profile) : guestState(profile, {
    vac: s.vac, vdc, vpsr: s.vpsr, cpl: s.cpl, vcr, vhpi: s.vhpi, configOptions: s.configOptions, optHandler: s.optHandler,
    cfm: { sof: s.sof, sol: Math.min(s.sol, s.sof) },
  });
  const cr = new Map(base.cr);
  for (const [n, v] of s.crs) cr.set(n, v);
  if (s.context !== 'reset') cr.set(2, DEFAULT_GUEST.hostIva);
  const gr = [...base.gr];
  for (const [r, v, nat] of s.grs) if (r < 32 || r < 32 + s.sof) setGr(gr, r, v, nat);
  const inactive = [...base.grInactiveBank];
  for (const [r, v] of s.inactiveBank) inactive[r - 16] = { value: v, nat: false };
  const rid = (va: bigint): bigint => ((s.rr[Number(va >> 61n)] ?? 0n) >> 8n) & 0xff_ffffn;
  const entry = (va: bigint, pte: bigint): TlbEntry => ({ vadr: va & ~0x3fffn, rid: rid(va), ps: 14, pte, key: rid(va) });
  const itr: (TlbEntry | null)[] = [...base.tlb.itr];
  const dtr: (TlbEntry | null)[] = [...base.tlb.dtr];
  const itc: TlbEntry[] = [];
  const dtc: TlbEntry[] = [];
  for (const [kind, slot, va, pte] of s.tlb) {
    const e = entry(va, pte);
    if (kind === 'itr') itr[slot % itr.length] = e;
    else if (kind === 'dtr') dtr[slot % dtr.length] = e;
    else if (!(kind === 'itc' ? itc : dtc).some((x) => x.rid === e.rid && (x.vadr & ((1n << 61n) - 1n)) === (e.vadr & ((1n << 61n) - 1n)))) {
      (kind === 'itc' ? itc : dtc).push(e);
    }
  }
  const ip = s.context === 'vmm' ? DEFAULT_GUEST.hostIva + 0x6100n : base.ip;
  if (s.codePageAr7 && !itc.some((x) => x.rid === rid(ip) && ((x.vadr ^ ip) & ((1n << 61n) - 1n) & ~0x3fffn) === 0n)) {
    itc.push(entry(ip, 1n | (7n << 9n)));
  }
  const memory = new Map(base.memory);
  for (const [a, v] of s.memory) memory.set(a, v);
  if (s.spareVpd !== null) {
    memory.set(SPARE_VPD + BigInt(VPD_OFFSETS.vac), s.spareVpd.vac);
    memory.set(SPARE_VPD + BigInt(VPD_OFFSETS.vdc), s.spareVpd.vdc);
    memory.set(SPARE_VPD + BigInt(VPD_OFFSETS.virtEnvVaddr), s.spareVpd.envOk ? DEFAULT_GUEST.bufferVirtual : 0x1234_0000n);
    memory.set(SPARE_VPD + BigInt(VPD_OFFSETS.vpsr), PSR.ic | PSR.i | PSR.bn);
  }
  const ar = new Map(base.ar);
  for (const [n, v] of s.ar) ar.set(n, v);
  const guestPsr = base.psr ^ s.psrFlips;
  // The VMM as an intercept leaves it: PSR.vm = 0, bank 0, ic and i off, translation on, cpl 0.
  const vmmPsr = PSR.dt | PSR.rt | PSR.it | (s.psrFlips & PSR.ic);
  const psr = s.context === 'vmm' ? vmmPsr : s.context === 'reset' ? base.psr ^ (s.psrFlips & (PSR.ic | PSR.i)) : guestPsr;
  const bankFlip = ((psr ^ base.psr) & PSR.bn) !== 0n;
  return {
    profile,
    state: {
      ...base,
      psr,
      ip,
      cr,
      gr: bankFlip ? [...gr.slice(0, 16), ...inactive, ...gr.slice(32)] : gr,
      grInactiveBank: bankFlip ? gr.slice(16, 32) : inactive,
      rr: [...s.rr],
      tlb: { itr, dtr, itc, dtc },
      memory,
      inService: s.inService,
      ar,
      pr: s.pr,
      br: [s.br0, ...base.br.slice(1)],
      rse: s.context === 'reset' ? { ...base.rse, cfm: { sof: s.sof, sol: Math.min(s.sol, s.sof) } } : base.rse,
      pendingVirtualInterrupt: s.context === 'reset' ? 0n : s.latched ?? base.pendingVirtualInterrupt,
    },
  };
};

// ---------------------------------------------------------------------------------------------
// Steps

/** Registers: mostly those a start seeds, sometimes GR0, a bank register or one outside the frame. */
const regArb = fc.oneof(
  { arbitrary: fc.integer({ min: 1, max: 15 }), weight: 6 },
  { arbitrary: fc.integer({ min: 16, max: 31 }), weight: 3 },
  { arbitrary: fc.integer({ min: 32, max: 47 }), weight: 3 },
  { arbitrary: fc.constant(0), weight: 1 },
  { arbitrary: fc.integer({ min: 48, max: 127 }), weight: 1 },
);
const targetArb = fc.constantFrom(DEFAULT_GUEST.ip + 0x20n, GUEST_KERNEL, GUEST_KERNEL + 0x35n, UNIMPLEMENTED, VMM_ONLY, DEFAULT_GUEST.hostIva + 0x6100n);
const CR_NUMBERS = [0, 1, 2, 3, 8, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 40, 64, 65, 66, 67, 68, 69, 70, 71, 72, 73, 74, 80, 81, 90] as const;
const crNumberArb = fc.constantFrom(...CR_NUMBERS);
const AR_NUMBERS = [AR.k0, 5, AR.k7, AR.rsc, AR.bsp, AR.bspstore, AR.rnat, AR.itc, AR.pfs, AR.lc, AR.ec, 32, 36, 40, 9, 50, 70, 120] as const;
const arNumberArb = fc.oneof({ arbitrary: fc.constantFrom(AR.itc, AR.itc, AR.k0), weight: 2 }, { arbitrary: fc.constantFrom(...AR_NUMBERS), weight: 3 });
const FILES: readonly IndirectFile[] = ['rr', 'pkr', 'ibr', 'dbr', 'pmc', 'pmd'];
const RELATIONS: readonly CmpRelation[] = ['eq', 'ne', 'lt', 'ltu'];
/** imm24 of ssm / rsm: PSR{23:0} bits, sometimes a reserved one. */
const imm24Arb = fc.subarray([1, 2, 3, 4, 5, 13, 14, 15, 17, 21, 23, 6, 16]).map((bits) => bits.reduce((a, b) => a | (1 << b), 0));
const side = fc.constantFrom('i' as const, 'd' as const);

const INSTRUCTIONS: { readonly [K in VtiOp]: fc.Arbitrary<Extract<VtiInstruction, { op: K }>> } = {
  'mov-to-cr': fc.record({ op: fc.constant('mov-to-cr' as const), cr: crNumberArb, r2: regArb }),
  'mov-from-cr': fc.record({ op: fc.constant('mov-from-cr' as const), r1: regArb, cr: crNumberArb }),
  'mov-to-psr-l': fc.record({ op: fc.constant('mov-to-psr-l' as const), r2: regArb }),
  'mov-to-psr-um': fc.record({ op: fc.constant('mov-to-psr-um' as const), r2: regArb }),
  'mov-from-psr': fc.record({ op: fc.constant('mov-from-psr' as const), r1: regArb }),
  'mov-from-psr-um': fc.record({ op: fc.constant('mov-from-psr-um' as const), r1: regArb }),
  ssm: fc.record({ op: fc.constant('ssm' as const), imm24: imm24Arb }),
  rsm: fc.record({ op: fc.constant('rsm' as const), imm24: imm24Arb }),
  rfi: fc.constant({ op: 'rfi' as const }),
  bsw: fc.record({ op: fc.constant('bsw' as const), bank: fc.constantFrom(0 as const, 1 as const) }),
  cover: fc.constant({ op: 'cover' as const }),
  thash: fc.record({ op: fc.constant('thash' as const), r1: regArb, r3: regArb }),
  ttag: fc.record({ op: fc.constant('ttag' as const), r1: regArb, r3: regArb }),
  tpa: fc.record({ op: fc.constant('tpa' as const), r1: regArb, r3: regArb }),
  tak: fc.record({ op: fc.constant('tak' as const), r1: regArb, r3: regArb }),
  'mov-from-cpuid': fc.record({ op: fc.constant('mov-from-cpuid' as const), r1: regArb, r3: regArb }),
  itc: fc.record({ op: fc.constant('itc' as const), side, r2: regArb }),
  itr: fc.record({ op: fc.constant('itr' as const), side, r3: regArb, r2: regArb }),
  ptc: fc.record({ op: fc.constant('ptc' as const), scope: fc.constantFrom('l' as const, 'g' as const, 'ga' as const), r3: regArb, r2: regArb }),
  'ptc-e': fc.record({ op: fc.constant('ptc-e' as const), r3: regArb }),
  ptr: fc.record({ op: fc.constant('ptr' as const), side, r3: regArb, r2: regArb }),
  'mov-to-ind': fc.record({ op: fc.constant('mov-to-ind' as const), file: fc.constantFrom(...FILES), r3: regArb, r2: regArb }),
  'mov-from-ind': fc.record({ op: fc.constant('mov-from-ind' as const), file: fc.constantFrom(...FILES), r1: regArb, r3: regArb }),
  'mov-to-ar': fc.record({ op: fc.constant('mov-to-ar' as const), ar: arNumberArb, r2: regArb }),
  'mov-to-ar-imm': fc.record({ op: fc.constant('mov-to-ar-imm' as const), ar: arNumberArb, imm8: fc.integer({ min: -128, max: 127 }) }),
  'mov-from-ar': fc.record({ op: fc.constant('mov-from-ar' as const), r1: regArb, ar: arNumberArb }),
  vmsw: fc.record({ op: fc.constant('vmsw' as const), to: fc.constantFrom(0 as const, 1 as const) }),
  probe: fc.record({ op: fc.constant('probe' as const), access: fc.constantFrom('r' as const, 'w' as const), r1: regArb, r3: regArb, r2: regArb }),
  'br-call': fc.record({ op: fc.constant('br-call' as const), b1: fc.nat({ max: 7 }), target: targetArb }),
  'br-ret': fc.record({ op: fc.constant('br-ret' as const), b2: fc.nat({ max: 7 }) }),
  'br-cond': fc.record({ op: fc.constant('br-cond' as const), qp: fc.nat({ max: 63 }), target: targetArb }),
  alloc: fc.record({ op: fc.constant('alloc' as const), r1: regArb, sof: fc.oneof(fc.nat({ max: 24 }), fc.constant(96), fc.constant(97)), sol: fc.nat({ max: 24 }) }),
  'mov-to-br': fc.record({ op: fc.constant('mov-to-br' as const), b1: fc.nat({ max: 7 }), r2: regArb }),
  'mov-from-br': fc.record({ op: fc.constant('mov-from-br' as const), r1: regArb, b2: fc.nat({ max: 7 }) }),
  'mov-imm': fc.record({ op: fc.constant('mov-imm' as const), r1: regArb, imm: valueArb }),
  add: fc.record({ op: fc.constant('add' as const), r1: regArb, r2: regArb, r3: regArb }),
  ld8: fc.record({ op: fc.constant('ld8' as const), r1: regArb, r3: regArb }),
  st8: fc.record({ op: fc.constant('st8' as const), r3: regArb, r2: regArb }),
  cmp: fc.record({ op: fc.constant('cmp' as const), relation: fc.constantFrom(...RELATIONS), p1: fc.nat({ max: 7 }), p2: fc.nat({ max: 7 }), r2: regArb, r3: regArb }),
  nop: fc.constant({ op: 'nop' as const }),
  break: fc.record({ op: fc.constant('break' as const), imm21: fc.nat({ max: 0x1f_ffff }) }),
};

/** Every op of the abstract instruction set, equally likely. */
export const vtiInstructionArb: fc.Arbitrary<VtiInstruction> = fc.oneof(...Object.values(INSTRUCTIONS) as fc.Arbitrary<VtiInstruction>[]);
export const VTI_OPS = Object.keys(INSTRUCTIONS) as VtiOp[];

export const vtiEventArb: fc.Arbitrary<VtiEvent> = fc.oneof(
  fc.record({ kind: fc.constant('external-interrupt' as const), vector: fc.oneof(vectorArb, fc.constantFrom(1, 5, 15)) }),
  fc.constant({ kind: 'timer' as const }),
  fc.record({ kind: fc.constant('clock' as const), cycles: fc.oneof(fc.bigInt({ min: 0n, max: 400n }), u64Arb) }),
);

/** PAL calls; `vac` is the start's, so RESUME_HANDLER's GR26 can match it. */
export const palCallArb = (vac: bigint): fc.Arbitrary<PalCall> => {
  const vpd = fc.constantFrom(VPD, VPD, SPARE_VPD, OVERLAPPING_VPD, VPD + 0x100n, 0n);
  const iva = fc.constantFrom(DEFAULT_GUEST.hostIva, OTHER_IVA, 0n);
  const handler = fc.constantFrom(0n, 0n, OPT_HANDLER);
  const options = fc.constantFrom(
    VMM_CONFIG_OPTIONS.first, VMM_CONFIG_OPTIONS.others, VMM_CONFIG_OPTIONS.first & ~(1n << 8n), VMM_CONFIG_OPTIONS.first | (1n << 5n),
    VMM_CONFIG_OPTIONS.first | (1n << 10n), VMM_CONFIG_OPTIONS.first & ~(1n << 9n),
  );
  const buffer = (b: bigint): fc.Arbitrary<bigint> => fc.constantFrom(b, b, b + 0x800n);
  const vbr0 = fc.constantFrom(DEFAULT_GUEST.ip + 0x100n, GUEST_KERNEL);
  const vacCfle = fc.constantFrom(vac, vac | (1n << 63n), vac ^ 1n, 0n);
  return fc.oneof(
    fc.record({ name: fc.constant('PAL_VP_CREATE' as const), vpd, hostIva: iva, optHandler: handler }),
    fc.constant({ name: 'PAL_VP_ENV_INFO' as const }),
    fc.record({ name: fc.constant('PAL_VP_EXIT_ENV' as const), iva }),
    fc.record({ name: fc.constant('PAL_VP_INIT_ENV' as const), configOptions: options, pbaseAddr: buffer(DEFAULT_GUEST.bufferPhysical), vbaseAddr: buffer(DEFAULT_GUEST.bufferVirtual) }),
    fc.record({ name: fc.constant('PAL_VP_REGISTER' as const), vpd, hostIva: iva, optHandler: handler }),
    fc.record({ name: fc.constant('PAL_VP_RESTORE' as const), vpd, palProcVector: fc.constant(0n) }),
    fc.record({ name: fc.constant('PAL_VP_SAVE' as const), vpd, palProcVector: fc.constant(0n) }),
    fc.record({ name: fc.constant('PAL_VP_TERMINATE' as const), vpd, iva }),
    fc.record({ name: fc.constant('PAL_VP_INFO' as const), featureSet: fc.constantFrom(0n, 1n), vpBuffer: fc.constant(0n) }),
    fc.record({ name: fc.constant('PAL_VPS_RESUME_NORMAL' as const), vbr0, vpd }),
    fc.record({ name: fc.constant('PAL_VPS_RESUME_HANDLER' as const), vbr0, vpd, vacCfle }),
    fc.record({ name: fc.constant('PAL_VPS_SYNC_READ' as const), vpd }),
    fc.record({ name: fc.constant('PAL_VPS_SYNC_WRITE' as const), vpd }),
    fc.record({ name: fc.constant('PAL_VPS_SET_PENDING_INTERRUPT' as const), vpd }),
    fc.record({ name: fc.constant('PAL_VPS_THASH' as const), vadr: addressArb, vrr: rrArb, vpta: ptaArb }),
    fc.record({ name: fc.constant('PAL_VPS_TTAG' as const), vadr: addressArb, vrr: rrArb }),
    fc.record({ name: fc.constant('PAL_VPS_RESTORE' as const), vpd, gr26: fc.constant(1n) }),
    fc.record({ name: fc.constant('PAL_VPS_SAVE' as const), vpd, skipSync: fc.constantFrom(0n, 1n) }),
  );
};

/**
 * The way back into the guest after an intercept (the VMM's resume path), drawn more often than the
 * other PAL calls so that sequences alternate between guest and VMM.
 */
const resumeArb = (vac: bigint): fc.Arbitrary<PalCall> => fc.oneof(
  fc.record({ name: fc.constant('PAL_VPS_RESUME_NORMAL' as const), vbr0: fc.constant(DEFAULT_GUEST.ip + 0x100n), vpd: fc.constant(VPD) }),
  fc.record({ name: fc.constant('PAL_VPS_RESUME_HANDLER' as const), vbr0: fc.constant(DEFAULT_GUEST.ip + 0x100n), vpd: fc.constant(VPD), vacCfle: fc.constantFrom(vac, vac | (1n << 63n)) }),
);

export const vtiStepInputArb = (vac = 0n): fc.Arbitrary<VtiStepInput> => fc.oneof(
  { arbitrary: vtiInstructionArb.map((instruction) => ({ kind: 'instruction' as const, instruction })), weight: 16 },
  { arbitrary: vtiEventArb.map((event) => ({ kind: 'event' as const, event })), weight: 1 },
  { arbitrary: palCallArb(vac).map((call) => ({ kind: 'pal' as const, call })), weight: 3 },
  { arbitrary: resumeArb(vac).map((call) => ({ kind: 'pal' as const, call })), weight: 2 },
);

/** A start and `length` steps from it. */
export const vtiSequenceArb = (length: number): fc.Arbitrary<{ readonly start: VtiStart; readonly inputs: readonly VtiStepInput[] }> =>
  vtiStartArb.chain((start) => fc.array(vtiStepInputArb(start.vac), { minLength: length, maxLength: length }).map((inputs) => ({ start, inputs })));
