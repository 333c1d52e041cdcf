/**
 * Delivery of IVA-based interruptions (SDM 2:§5.5) and of virtualization intercepts (SDM §11.7.3),
 * which the processor delivers like a fault to the Virtualization vector or the VP's opt_handler.
 */
import { INTERCEPT_HANDOFF } from '../../../spec/vti/intercepts.js';
import { VIRTUALIZATION_OFFSET } from '../../../spec/vti/ivt.js';
import { PAL_VP_CONFIG_OPTIONS } from '../../../spec/vti/pal.js';
import { bitOf, PSR_BIT } from './bits.js';
import type { Machine } from './machine.js';

export const CR = { dcr: 0, iva: 2, pta: 8, ipsr: 16, isr: 17, iip: 19, ifa: 20, itir: 21, iipa: 22, ifs: 23, iim: 24, iha: 25 } as const;

/** ISR bits (spec/vti/control-registers.ts ISR_FIELDS). */
export const ISR = { x: 1n << 32n, w: 1n << 33n, r: 1n << 34n, na: 1n << 35n, ni: 1n << 39n } as const;
const ISR_EI_LO = 41n;
const IFS_V = 1n << 63n;

/**
 * SDM 2:§5.5 / 3.3.1: an interruption keeps PSR.up, mfl, mfh, pk, dt, rt, mc, it and clears everything
 * else (ic, i, bn, cpl, ri, vm, ...); be and pp come from DCR.be (bit 1) and DCR.pp (bit 0).
 */
export const PSR_KEPT = [PSR_BIT.up, PSR_BIT.mfl, PSR_BIT.mfh, PSR_BIT.pk, PSR_BIT.dt, PSR_BIT.rt, PSR_BIT.mc, PSR_BIT.it]
  .reduce((m, b) => m | (1n << BigInt(b)), 0n);

/** Interruption-specific resources written besides ISR. */
export interface Resources {
  /** ISR bits besides code, ei and ni (x, w, r, na). */
  readonly isrBits?: bigint;
  readonly ifa?: bigint;
  readonly itir?: bigint;
  readonly iha?: bigint;
  readonly iim?: bigint;
}

/** IVT base: IVA{63:15} (the low 15 bits are ignored, SDM 2:§3.3.3). */
export const ivtBase = (iva: bigint): bigint => iva & ~0x7fffn;

/**
 * Deliver an interruption to `target` (VTI.INTERRUPTION.DELIVERY). With PSR.ic = 1 the processor
 * saves IPSR, IIP (= the current IP, which the caller has set to the faulting or next instruction),
 * IIPA (= the last successfully executed bundle), clears IFS.v and writes the interruption-specific
 * IFA / ITIR / IHA / IIM; ISR is written whatever PSR.ic, with ei = `ei` and ni = !PSR.ic (SDM
 * 2:§3.3.5; that IFA, ITIR, IHA and IIM also need PSR.ic = 1 is our reading, README.md). Then PSR
 * becomes the interruption PSR and the IP the target. CFM is left as it is (SDM 2:§6.7), but CFLE is
 * cleared: the handler runs on the interrupted frame without the RSE loading into it (a mandatory
 * load fault with PSR.ic = 0 could not be recovered, 2:§6.7-6.8) until rfi sets CFLE again. That a
 * handler starts with CFLE = 0 is what PAL_VPS_RESUME_HANDLER's CFLE argument (2:492) and XEN's
 * guest-handler entry reproduce.
 */
export const deliver = (m: Machine, target: bigint, isrCode: number, ei: number, res: Resources = {}): void => {
  const ic = m.psrBit(PSR_BIT.ic);
  if (ic) {
    m.setCr(CR.ipsr, m.psr);
    m.setCr(CR.iip, m.ip);
    m.setCr(CR.iipa, m.lastIp);
    m.setCr(CR.ifs, m.crValue(CR.ifs) & ~IFS_V);
  }
  m.setCr(CR.isr, BigInt(isrCode & 0xffff) | (res.isrBits ?? 0n) | (BigInt(ei & 3) << ISR_EI_LO) | (ic ? 0n : ISR.ni));
  if (ic) {
    if (res.ifa !== undefined) m.setCr(CR.ifa, res.ifa);
    if (res.itir !== undefined) m.setCr(CR.itir, res.itir);
    if (res.iha !== undefined) m.setCr(CR.iha, res.iha);
    if (res.iim !== undefined) m.setCr(CR.iim, res.iim);
  }
  const dcr = m.crValue(CR.dcr);
  m.psr = (m.psr & PSR_KEPT) | (bitOf(dcr, 1) ? 1n << BigInt(PSR_BIT.be) : 0n) | (bitOf(dcr, 0) ? 1n << BigInt(PSR_BIT.pp) : 0n);
  m.cfle = false;
  m.ip = target;
};

const optionBit = (name: string): number => {
  const o = PAL_VP_CONFIG_OPTIONS.find((x) => x.name === name);
  if (o === undefined || o.bit === null) throw new Error(`spec/vti/pal.ts has no config option ${name}`);
  return o.bit;
};
export const OPTION = { initialize: optionBit('initialize'), opcode: optionBit('opcode'), cause: optionBit('cause'), gitc: optionBit('gitc') } as const;

export interface InterceptResult {
  readonly target: bigint;
  readonly cause: number | null;
  readonly opcode: bigint | null;
}

/**
 * VTI.INTERCEPT.HANDOFF (SDM §11.7.3, INTERCEPT_HANDOFF): a virtualization intercept is a fault (IIP =
 * the intercepted instruction, PSR.vm = 0 and the rest as for any interruption) to the restored VP's
 * opt_handler when it has one, else to the Virtualization vector of the IVT in CR.IVA (which
 * PAL_VP_RESTORE / PAL_VPS_RESTORE set to the VP's host IVT). After the switch to bank 0, GR24 gets the
 * cause when the environment's config_options.cause is 1 and GR25 the opcode when
 * config_options.opcode is 1 (global options, SDM 2:480); otherwise they keep their values. With no VP
 * restored (VTI.GUEST.NO_VP, undefined) the target is CR.IVA + 0x6100.
 */
export const deliverIntercept = (m: Machine, cause: number, opcode: bigint): InterceptResult => {
  const vp = m.currentVp();
  const target = vp !== null && vp.optHandler !== 0n ? vp.optHandler : ivtBase(m.crValue(CR.iva)) + BigInt(VIRTUALIZATION_OFFSET);
  const options = m.env === null ? 0n : m.env.configOptions;
  const giveCause = bitOf(options, OPTION.cause);
  const giveOpcode = bitOf(options, OPTION.opcode);
  deliver(m, target, 0, m.ri);
  const bank = INTERCEPT_HANDOFF.bank as 0;
  if (giveCause) m.setBankGr(bank, 24, BigInt(cause));
  if (giveOpcode) m.setBankGr(bank, 25, opcode);
  return { target, cause: giveCause ? cause : null, opcode: giveOpcode ? opcode : null };
};
