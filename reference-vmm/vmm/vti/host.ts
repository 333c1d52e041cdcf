/**
 * The VMM's hands on the processor. The VMM is TypeScript standing in for VMM code that runs with
 * PSR.vm = 0, so it touches the machine in two ways:
 *
 * - through the injected `VtiStep`, for everything VT-i is about: PAL procedures and services, and
 *   the VMM's own system instructions (mov to CR, mov rr, rsm, bsw, cover). Their side effects
 *   (IIPA's source, the RSE, banks) are the processor's to decide, not the VMM's;
 * - directly on the state, for the plain loads, stores and register moves a VMM's save/restore path
 *   does (LK/XEN SAVE_MIN / leave_hypervisor): the guest's general registers, memory, and the VPD
 *   (a VPD field access is a load or store inside the VPD, spec/vti/machine/README.md). Reading a
 *   CR has no side effect except CR65 (IVR), which always goes through the processor.
 */
import type { PalCall } from '../../../spec/vti/machine/events.js';
import { describeVtiInstruction, type VtiInstruction } from '../../../spec/vti/machine/instructions.js';
import { describeVtiObservation, type VtiObservation } from '../../../spec/vti/machine/observation.js';
import type { VtiProfile } from '../../../spec/vti/machine/profile.js';
import { currentVp, isGuest, type Gr, type Vpd, type VtiState } from '../../../spec/vti/machine/state.js';
import type { VtiStep } from '../../../spec/vti/machine/step.js';
import { bit, hex } from './bits.js';
import type { VmmStats } from './stats.js';

/** The VMM's own code met an outcome it does not handle: a bug in the VMM or in the processor. */
export class VmmError extends Error {
  override readonly name = 'VmmError';
}

/** Bank-0 GR24-31 are scratch at a virtualization intercept (INTERCEPT_HANDOFF); the VMM uses two. */
const SCRATCH_A = 30;
const SCRATCH_B = 31;

export class Host {
  state: VtiState;

  constructor(readonly step: VtiStep, readonly profile: VtiProfile, state: VtiState, private readonly stats: VmmStats) {
    this.state = state;
  }

  // ---------------------------------------------------------------------------------------------
  // Through the processor

  /** One VMM instruction (PSR.vm = 0); it must complete. */
  exec(i: VtiInstruction): { readonly value?: bigint } {
    if (isGuest(this.state)) throw new VmmError(`VMM instruction ${describeVtiInstruction(i)} issued with PSR.vm = 1`);
    const r = this.step(this.profile, this.state, { kind: 'instruction', instruction: i });
    if (r.observation.kind !== 'executed') {
      throw new VmmError(`VMM instruction ${describeVtiInstruction(i)} at ${hex(this.state.ip)} did not complete: ${describeVtiObservation(r.observation)}`);
    }
    this.state = r.state;
    return r.observation.value === undefined ? {} : { value: r.observation.value };
  }

  /** Put `value` in a bank-0 scratch register (a plain register move). */
  private scratch(r: number, value: bigint): number {
    if (bit(this.state.psr, 44)) throw new VmmError('scratch registers are bank-0 GR30/31; the VMM runs on bank 0');
    const gr = [...this.state.gr];
    gr[r] = { value, nat: false };
    this.state = { ...this.state, gr };
    return r;
  }

  /** mov cr = value. */
  movToCr(cr: number, value: bigint): void {
    this.exec({ op: 'mov-to-cr', cr, r2: this.scratch(SCRATCH_A, value) });
  }

  /** mov r = cr, through the processor (CR65 acknowledges). */
  movFromCr(cr: number): bigint {
    return this.exec({ op: 'mov-from-cr', r1: SCRATCH_A, cr }).value ?? 0n;
  }

  /** mov rr[region] = value. */
  movToRr(region: number, value: bigint): void {
    const r3 = this.scratch(SCRATCH_B, BigInt(region & 7) << 61n);
    this.exec({ op: 'mov-to-ind', file: 'rr', r3, r2: this.scratch(SCRATCH_A, value) });
  }

  /** mov pmd[index] = value. */
  movToPmd(index: number, value: bigint): void {
    const r3 = this.scratch(SCRATCH_B, BigInt(index & 0xff));
    this.exec({ op: 'mov-to-ind', file: 'pmd', r3, r2: this.scratch(SCRATCH_A, value) });
  }

  /** A PAL procedure or service; the observation is returned as the processor gave it. */
  pal(call: PalCall): VtiObservation {
    this.stats.palCall(call.name);
    const r = this.step(this.profile, this.state, { kind: 'pal', call });
    this.state = r.state;
    return r.observation;
  }

  /** A PAL call that must return status 0; its return values. */
  palOk(call: PalCall): readonly bigint[] {
    const o = this.pal(call);
    if (o.kind !== 'pal-return' || o.status !== 0) throw new VmmError(`${call.name} failed: ${describeVtiObservation(o)}`);
    return o.values;
  }

  // ---------------------------------------------------------------------------------------------
  // Directly: registers, memory, the VPD

  /** A control register's value (not CR65, whose read has a side effect). */
  cr(n: number): bigint {
    return this.state.cr.get(n) ?? 0n;
  }

  /** The current VP's VPD. */
  vpd(): Vpd {
    const cur = currentVp(this.state);
    if (cur === null) throw new VmmError('no VP is restored on the processor');
    return cur.vp.vpd;
  }

  /** Store into the current VP's VPD. */
  updateVpd(f: (v: Vpd) => Vpd): void {
    const cur = currentVp(this.state);
    if (cur === null || this.state.pal.status !== 'initialised') throw new VmmError('no VP is restored on the processor');
    const vps = new Map(this.state.pal.vps);
    vps.set(cur.address, { ...cur.vp, vpd: f(cur.vp.vpd) });
    this.state = { ...this.state, pal: { ...this.state.pal, vps } };
  }

  /**
   * The guest's general register r while the VMM runs (machine PSR.bn = 0): the guest always runs
   * on machine bank 1 (its other bank is in the VPD), so its GR16-31 are the inactive bank now.
   */
  guestGr(r: number): Gr {
    if (r === 0) return { value: 0n, nat: false };
    const g = r >= 16 && r <= 31 ? this.state.grInactiveBank[r - 16] : this.state.gr[r];
    return g ?? { value: 0n, nat: false };
  }

  setGuestGr(r: number, g: Gr): void {
    if (r <= 0 || r > 127) return;
    if (r >= 16 && r <= 31) {
      const bank = [...this.state.grInactiveBank];
      bank[r - 16] = g;
      this.state = { ...this.state, grInactiveBank: bank };
    } else {
      const gr = [...this.state.gr];
      gr[r] = g;
      this.state = { ...this.state, gr };
    }
  }

  /** The guest's bank of GR16-31 on machine bank 1, as a list. */
  guestBank(): readonly Gr[] {
    return this.state.grInactiveBank;
  }

  setGuestBank(regs: readonly Gr[]): void {
    this.state = { ...this.state, grInactiveBank: [...regs] };
  }

  /** A VMM store to memory (8-byte word). */
  store(addr: bigint, value: bigint): void {
    const memory = new Map(this.state.memory);
    memory.set(addr, value);
    this.state = { ...this.state, memory };
  }
}
