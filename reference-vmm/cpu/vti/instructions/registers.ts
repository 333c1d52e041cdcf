/**
 * Indirect register files, application registers and CPUID (SDM 3:180 mov indirect, mov ar, mov cpuid;
 * VTI.NATIVE.MOV_IND, VTI.NATIVE.MOV_AR, VTI.NATIVE.CPUID, the intercepts of each (named at movToInd,
 * movFromInd, movFromCpuid, writeAr, movFromAr), VTI.VAC.a_from_cpuid, VTI.VDC.d_ibr_dbr,
 * VTI.VDC.d_pmc, VTI.VDC.d_to_pmd, VTI.ORDER.PRIVILEGED_REGISTER).
 *
 * Order (SDM rev 2.3 pattern of mov cr / mov psr / itr / tak): operand checks, privilege, NaT operands,
 * non-existent register / reserved field, then PSR.vm; a to-form's value checks come before the
 * intercept, as they do for mov cr and mov psr.l.
 */
import type { IndirectFile } from '../../../../spec/vti/machine/instructions.js';
import { AR } from '../../../../spec/vti/machine/instructions.js';
import type { VtiObservation } from '../../../../spec/vti/machine/observation.js';
import { VPD_OFFSETS } from '../../../../spec/vti/machine/state.js';
import type { VdcName } from '../../../../spec/vti/vpd.js';
import { bitOf, fieldOf, PSR_BIT, u64, withField } from '../bits.js';
import type { Ctx } from '../context.js';
import { OPTION } from '../interruption.js';
import { word } from '../vpd-words.js';

/** The cause of each indirect move: the intercept rules movToInd / movFromInd name. */
const TO_CAUSE: Record<IndirectFile, string> = {
  rr: 'EVENT_MOV_TO_RR', pkr: 'EVENT_MOV_TO_PKR', ibr: 'EVENT_MOV_TO_IBR', dbr: 'EVENT_MOV_TO_DBR', pmc: 'EVENT_MOV_TO_PMC', pmd: 'EVENT_MOV_TO_PMD',
};
const FROM_CAUSE: Record<Exclude<IndirectFile, 'pmd'>, string> = {
  rr: 'EVENT_MOV_FROM_RR', pkr: 'EVENT_MOV_FROM_PKR', ibr: 'EVENT_MOV_FROM_IBR', dbr: 'EVENT_MOV_FROM_DBR', pmc: 'EVENT_MOV_FROM_PMC',
};
/** VTI.VDC.d_ibr_dbr (IBR, DBR), VTI.VDC.d_pmc (PMC), VTI.VDC.d_to_pmd (PMD writes only). */
const TO_DISABLE: Partial<Record<IndirectFile, VdcName>> = { ibr: 'd_ibr_dbr', dbr: 'd_ibr_dbr', pmc: 'd_pmc', pmd: 'd_to_pmd' };
const FROM_DISABLE: Partial<Record<IndirectFile, VdcName>> = { ibr: 'd_ibr_dbr', dbr: 'd_ibr_dbr', pmc: 'd_pmc' };

/** RR reserved fields: bit 1 and 63:32 (SDM 2:§4.1.2). */
const RR_RESERVED = 0xffff_ffff_0000_0002n;
/** PKR: v bit 0, key 31:8. */
const pkrKey = (v: bigint): bigint => fieldOf(v, 31, 8);

const index = (file: IndirectFile, r3value: bigint): number => Number(file === 'rr' ? (u64(r3value) >> 61n) : r3value & 0xffn);

/** Register files whose size the profile gives: only PKRs fault on a non-existent index (IBR/DBR counts are not in the profile; PMC/PMD never fault). */
const exists = (c: Ctx, file: IndirectFile, i: number): boolean => file !== 'pkr' || i < c.profile.pkrCount;

const fileMap = (c: Ctx, file: Exclude<IndirectFile, 'rr'>): Map<number, bigint> => c.m[file];

/**
 * mov rr/pkr/ibr/dbr/pmc/pmd[r3] = r2 (VTI.NATIVE.MOV_IND). With PSR.vm = 1 at cpl 0, after the NaT,
 * index and RR reserved-field checks: VTI.INTERCEPT.MOV_TO_RR, VTI.INTERCEPT.MOV_TO_PKR,
 * VTI.INTERCEPT.MOV_TO_IBR, VTI.INTERCEPT.MOV_TO_DBR, VTI.INTERCEPT.MOV_TO_PMC,
 * VTI.INTERCEPT.MOV_TO_PMD, unless the file's vdc disable is 1 (VTI.VDC.d_ibr_dbr, VTI.VDC.d_pmc,
 * VTI.VDC.d_to_pmd), when the real register is written.
 */
export const movToInd = (c: Ctx, file: IndirectFile, r3: number, r2: number): VtiObservation => {
  if (!c.src(r2) || !c.src(r3)) return c.illegal();
  if (c.cpl !== 0) return c.privileged();
  if (c.nat(r2) || c.nat(r3)) return c.natConsumption();
  const i = index(file, c.val(r3));
  const v = c.val(r2);
  if (!exists(c, file, i)) return c.reservedField('VTI.NATIVE.MOV_IND');
  if (file === 'rr' && (v & RR_RESERVED) !== 0n) return c.reservedField('VTI.NATIVE.MOV_IND');
  const disable = TO_DISABLE[file];
  if (c.guest && !(disable !== undefined && c.vdcOn(disable))) return c.intercept(TO_CAUSE[file]);
  if (file === 'rr') {
    c.m.rr[i] = v;
  } else {
    if (file === 'pkr' && (v & 1n) === 1n) {
      // SDM 3:180: a new valid key invalidates any other valid PKR holding the same key.
      for (const [k, x] of c.m.pkr) if (k !== i && (x & 1n) === 1n && pkrKey(x) === pkrKey(v)) c.m.pkr.set(k, x & ~1n);
    }
    fileMap(c, file).set(i, v);
  }
  return c.done();
};

/**
 * mov r1 = rr/pkr/ibr/dbr/pmc/pmd[r3] (VTI.NATIVE.MOV_IND; pmd reads are not privileged and never
 * intercept). With PSR.vm = 1 at cpl 0: VTI.INTERCEPT.MOV_FROM_RR, VTI.INTERCEPT.MOV_FROM_PKR,
 * VTI.INTERCEPT.MOV_FROM_IBR, VTI.INTERCEPT.MOV_FROM_DBR, VTI.INTERCEPT.MOV_FROM_PMC, unless
 * VTI.VDC.d_ibr_dbr / VTI.VDC.d_pmc lets the read reach the real register.
 */
export const movFromInd = (c: Ctx, file: IndirectFile, r1: number, r3: number): VtiObservation => {
  if (!c.tgt(r1) || !c.src(r3)) return c.illegal();
  if (file !== 'pmd' && c.cpl !== 0) return c.privileged();
  if (c.nat(r3)) return c.natConsumption();
  const i = index(file, c.val(r3));
  if (!exists(c, file, i)) return c.reservedField('VTI.NATIVE.MOV_IND');
  if (file !== 'pmd') {
    const disable = FROM_DISABLE[file];
    if (c.guest && !(disable !== undefined && c.vdcOn(disable))) return c.intercept(FROM_CAUSE[file]);
  }
  const v = file === 'rr' ? c.m.rr[i] ?? 0n : fileMap(c, file).get(i) ?? 0n;
  c.m.setGr(r1, v);
  return c.done(v);
};

/**
 * mov r1 = cpuid[r3] (VTI.NATIVE.CPUID): not privileged; with PSR.vm = 1, at any cpl and after the
 * index check, VTI.INTERCEPT.MOV_FROM_CPUID unless VTI.VAC.a_from_cpuid (then VPD vcpuid[]).
 */
export const movFromCpuid = (c: Ctx, r1: number, r3: number): VtiObservation => {
  if (!c.tgt(r1) || !c.src(r3)) return c.illegal();
  if (c.nat(r3)) return c.natConsumption();
  const i = Number(c.val(r3) & 0xffn);
  if (i > Number((c.m.cpuid[3] ?? 0n) & 0xffn)) return c.reservedField('VTI.NATIVE.CPUID');
  if (c.guest && !c.vacOn('a_from_cpuid')) return c.intercept('EVENT_MOV_FROM_CPUID');
  const v = c.guest ? (i < 5 && c.vp !== null ? word(c.vp.words, VPD_OFFSETS.vcpuid + 8 * i) : 0n) : c.m.cpuid[i] ?? 0n;
  c.m.setGr(r1, v);
  return c.done(v);
};

// --- application registers (SDM 1:§3.1.8 Table 3-3) ---

const RESERVED_AR = (n: number): boolean =>
  !Number.isInteger(n) || n < 0 || n > 127 ||
  (n >= 8 && n <= 15) || n === 20 || n === 22 || n === 23 || n === 31 || (n >= 33 && n <= 35) ||
  (n >= 37 && n <= 39) || (n >= 41 && n <= 43) || n === 46 || n === 47 || (n >= 67 && n <= 111);
/** Ignored ARs (48-63, 112-127): read 0, writes have no effect. */
const IGNORED_AR = (n: number): boolean => (n >= 48 && n <= 63) || (n >= 112 && n <= 127);
const KERNEL_AR = (n: number): boolean => n >= AR.k0 && n <= AR.k7;

const rscMode = (c: Ctx): bigint => c.m.arValue(AR.rsc) & 3n;
/** BSPSTORE and RNAT can only be accessed with the RSE in enforced-lazy mode (RSC.mode = 0). */
const rseLocked = (c: Ctx, n: number): boolean => (n === AR.bspstore || n === AR.rnat) && rscMode(c) !== 0n;

/** The gitc global option (PAL_VP_INIT_ENV config_options.gitc, where the profile supports it). */
const gitc = (c: Ctx): boolean => c.profile.gitc && c.m.env !== null && bitOf(c.m.env.configOptions, OPTION.gitc);

/**
 * mov ar = r2 / imm8 (VTI.NATIVE.MOV_AR): writing AR.K0-K7 or AR.ITC at cpl > 0 is
 * VTI.ORDER.PRIVILEGED_REGISTER; with PSR.vm = 1 at cpl 0 a write of AR.ITC (only that AR) is
 * VTI.INTERCEPT.MOV_TO_AR or, for the imm8 form, VTI.INTERCEPT.MOV_TO_AR_IMM.
 */
const writeAr = (c: Ctx, n: number, value: bigint, imm: boolean, r2: number | null): VtiObservation => {
  if (RESERVED_AR(n) || n === AR.bsp || rseLocked(c, n)) return c.illegal('VTI.NATIVE.MOV_AR');
  if (r2 !== null && c.nat(r2)) return c.natConsumption();
  if ((KERNEL_AR(n) || n === AR.itc) && c.cpl !== 0) return c.privilegedRegister();
  if (c.guest && n === AR.itc) return c.intercept(imm ? 'EVENT_MOV_TO_AR_IMM' : 'EVENT_MOV_TO_AR');
  if (!IGNORED_AR(n)) {
    // SDM mov ar: RSC.pl below the current privilege is promoted to it.
    const v = n === AR.rsc && fieldOf(value, 3, 2) < BigInt(c.cpl) ? withField(value, 3, 2, BigInt(c.cpl)) : value;
    c.m.ar.set(n, u64(v));
  }
  return c.done();
};

export const movToAr = (c: Ctx, n: number, r2: number): VtiObservation =>
  (c.src(r2) ? writeAr(c, n, c.val(r2), false, r2) : c.illegal());

export const movToArImm = (c: Ctx, n: number, imm8: number): VtiObservation =>
  writeAr(c, n, u64(BigInt(Math.max(-128, Math.min(127, Math.trunc(imm8))))), true, null);

/**
 * mov r1 = ar (VTI.NATIVE.MOV_AR): reading AR.ITC at cpl > 0 with PSR.si = 1 is
 * VTI.ORDER.PRIVILEGED_REGISTER; otherwise, with PSR.vm = 1 at any cpl, VTI.INTERCEPT.MOV_FROM_AR
 * unless the global gitc option is on. Then the guest reads ITC + ITO, which here is AR.ITC: the ITC
 * offset is not modelled (spec/vti/vpd.ts has no ITO field).
 */
export const movFromAr = (c: Ctx, r1: number, n: number): VtiObservation => {
  if (RESERVED_AR(n)) return c.illegal('VTI.NATIVE.MOV_AR');
  if (!c.tgt(r1) || rseLocked(c, n)) return c.illegal();
  if (n === AR.itc && c.m.psrBit(PSR_BIT.si) && c.cpl !== 0) return c.privilegedRegister();
  if (c.guest && n === AR.itc && !gitc(c)) return c.intercept('EVENT_MOV_FROM_AR');
  const v = IGNORED_AR(n) ? 0n : c.m.arValue(n);
  c.m.setGr(r1, v);
  return c.done(v);
};
