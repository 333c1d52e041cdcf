/**
 * One instruction's execution context: the operand checks, the outcomes (complete, branch, fault,
 * intercept) and the guest's virtualization controls, so the instruction files read like the SDM
 * pseudo-code: check, check, fault or act.
 */
import { INTERCEPT_CAUSES } from '../../../spec/vti/intercepts.js';
import { FAULTS, type FaultName } from '../../../spec/vti/machine/faults.js';
import type { VtiInstruction } from '../../../spec/vti/machine/instructions.js';
import type { VtiObservation } from '../../../spec/vti/machine/observation.js';
import { encodeOpcode } from '../../../spec/vti/machine/opcode.js';
import type { VtiProfile } from '../../../spec/vti/machine/profile.js';
import { interceptRuleId } from '../../../spec/vti/machine/rules.js';
import { VPD_OFFSETS } from '../../../spec/vti/machine/state.js';
import { vcrOffset, type VacName, type VdcName } from '../../../spec/vti/vpd.js';
import { bitOf, PSR_BIT, u64, VAC, VDC } from './bits.js';
import { effectiveVaMsb, implementedVa } from './address.js';
import { CR, deliver, deliverIntercept, ivtBase, type Resources } from './interruption.js';
import type { Machine, MutableVp } from './machine.js';
import { setWord, word } from './vpd-words.js';

const causeCode = (name: string): number => {
  const c = INTERCEPT_CAUSES.find((x) => x.name === name);
  if (c === undefined) throw new Error(`spec/vti/intercepts.ts has no cause ${name}`);
  return c.code;
};
/** Cause codes by the LK/XEN EVENT_* name (and `probe`), from spec/vti/intercepts.ts. */
export const cause = (name: string): number => causeCode(name);

/** An interruption the spec's FAULTS table does not list (e.g. Data Page Not Present, 0x5000). */
export interface Vector {
  readonly vector: number;
  readonly isrCode: number;
}

export class Ctx {
  /** PSR.ic before the instruction: decides whether it becomes the "last successfully executed" one. */
  readonly icBefore: boolean;
  readonly riBefore: number;
  readonly vp: MutableVp | null;

  constructor(readonly m: Machine, readonly profile: VtiProfile, readonly instr: VtiInstruction) {
    this.icBefore = m.psrBit(PSR_BIT.ic);
    this.riBefore = m.ri;
    this.vp = m.vm ? m.currentVp() : null;
  }

  get guest(): boolean {
    return this.m.vm;
  }
  get cpl(): number {
    return this.m.cpl;
  }

  // --- operands (SDM 1:§4.1: GR32 + CFM.sof and up are outside the frame) ---
  /**
   * A source register that exists in the current frame (VTI.NATIVE.REGISTER_FRAME: naming a stacked
   * register at or above GR32 + CFM.sof is an Illegal Operation fault, which every instruction raises
   * through `illegal()` when this or `tgt` is false).
   */
  src(r: number): boolean {
    return Number.isInteger(r) && r >= 0 && r < 128 && (r < 32 || r < 32 + this.m.sof);
  }
  /** A target register: also not GR0 (SDM check_target_register); in the frame as for `src` (VTI.NATIVE.REGISTER_FRAME). */
  tgt(r: number, sof = this.m.sof): boolean {
    return Number.isInteger(r) && r > 0 && r < 128 && (r < 32 || r < 32 + sof);
  }
  val(r: number): bigint {
    return this.m.grValue(r);
  }
  nat(r: number): boolean {
    return this.m.grNat(r);
  }

  // --- the guest's controls (VPD of the restored VP) ---
  // VTI.GUEST.NO_VP: PSR.vm = 1 with no VP restored is undefined. Our choice (README.md): `vp` is null,
  // so every vac and vdc bit reads 0 and vpsr / vcr[] read 0; every virtualized instruction then
  // intercepts, to CR.IVA + 0x6100 (deliverIntercept, no opt_handler), and no Virtual External
  // Interrupt is raised (takeVirtualInterrupt).
  vacOn(name: VacName): boolean {
    const b = VAC(name);
    return this.vp !== null && b !== null && bitOf(word(this.vp.words, VPD_OFFSETS.vac), b);
  }
  vdcOn(name: VdcName): boolean {
    const b = VDC(name);
    return this.vp !== null && b !== null && bitOf(word(this.vp.words, VPD_OFFSETS.vdc), b);
  }
  vpsr(): bigint {
    return this.vp === null ? 0n : word(this.vp.words, VPD_OFFSETS.vpsr);
  }
  setVpsr(v: bigint): void {
    if (this.vp !== null) setWord(this.vp.words, VPD_OFFSETS.vpsr, v);
  }
  vcr(n: number): bigint {
    return this.vp === null ? 0n : word(this.vp.words, vcrOffset(n));
  }
  setVcr(n: number, v: bigint): void {
    if (this.vp !== null) setWord(this.vp.words, vcrOffset(n), v);
  }

  /** Is `va` implemented for the current PSR.vm (UNIMPLEMENTED_VA_RULE)? */
  implemented(va: bigint): boolean {
    return implementedVa(va, effectiveVaMsb(this.profile.implVaMsb, this.m.vm));
  }

  // --- outcomes ---
  /** The instruction completed: it becomes the last executed one (if PSR.ic was 1), IP moves one slot. */
  done(value?: bigint, nat?: boolean): VtiObservation {
    const m = this.m;
    if (this.icBefore) m.lastIp = m.ip;
    if (this.riBefore >= 2) {
      m.ip = u64(m.ip + 16n);
      m.ri = 0;
    } else {
      m.ri = this.riBefore + 1;
    }
    if (value === undefined) return { kind: 'executed' };
    return nat === true ? { kind: 'executed', value, nat } : { kind: 'executed', value };
  }

  /**
   * A taken branch (br, rfi-like transfers excluded): completes, then IP = the target bundle, slot 0.
   * A target outside the implemented space takes the Unimplemented Instruction Address trap (SDM
   * 2:205-206, UNIMPLEMENTED_VA_RULE), IIP = IFA = the target, IIPA = the branch, ISR.ei = its slot
   * (SDM 2:206: only the optional fault form reports PSR.ri instead; we implement the trap).
   */
  branch(target: bigint): VtiObservation {
    const m = this.m;
    if (this.icBefore) m.lastIp = m.ip;
    m.ip = u64(target) & ~0xfn;
    m.ri = 0;
    return this.afterTransfer();
  }

  /** The trap check after any transfer of control (branch, rfi). */
  afterTransfer(): VtiObservation {
    if (this.implemented(this.m.ip)) return { kind: 'executed' };
    // XEN unimpl_iaddr_trap / facts vti-architecture §5: IFA = the unimplemented address.
    return this.raise('unimplementedInstructionAddress', { ifa: this.m.ip }, this.riBefore, 'VTI.UNIMPL_VA.INSTRUCTION');
  }

  /** A fault of the current instruction: IIP = it, nothing done. */
  fault(name: FaultName | Vector, res: Resources = {}, rule?: string): VtiObservation {
    return this.raise(name, res, this.m.ri, rule);
  }

  private raise(name: FaultName | Vector, res: Resources, ei: number, rule?: string): VtiObservation {
    const f = typeof name === 'string' ? FAULTS[name] : name;
    deliver(this.m, ivtBase(this.m.crValue(CR.iva)) + BigInt(f.vector), f.isrCode, ei, res);
    return rule === undefined ? { kind: 'interruption', vector: f.vector, isrCode: f.isrCode }
      : { kind: 'interruption', vector: f.vector, isrCode: f.isrCode, rule };
  }

  illegal(rule = 'VTI.ORDER.OPERAND_CHECKS_FIRST'): VtiObservation {
    return this.fault('illegalOperation', {}, rule);
  }
  privileged(): VtiObservation {
    return this.fault('privilegedOperation', {}, 'VTI.ORDER.PRIVILEGED_FIRST');
  }
  privilegedRegister(): VtiObservation {
    return this.fault('privilegedRegister', {}, 'VTI.ORDER.PRIVILEGED_REGISTER');
  }
  reservedField(rule?: string): VtiObservation {
    return this.fault('reservedRegisterField', {}, rule);
  }
  natConsumption(): VtiObservation {
    return this.fault('registerNatConsumption', {}, 'VTI.NATIVE.NAT_CONSUMPTION');
  }

  /**
   * A virtualization intercept with the cause of LK/XEN EVENT name `name`, delivered as
   * VTI.INTERCEPT.HANDOFF says (deliverIntercept). Whether an instruction intercepts is decided at its
   * own check, which names its VTI.INTERCEPT rule.
   */
  intercept(name: string): VtiObservation {
    const code = cause(name);
    const r = deliverIntercept(this.m, code, encodeOpcode(this.instr));
    return { kind: 'intercept', target: r.target, cause: r.cause, opcode: r.opcode, rule: interceptRuleId(code) };
  }
}
