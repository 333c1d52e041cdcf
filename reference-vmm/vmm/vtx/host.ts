/**
 * The VMM's processor: the reference VT-x CPU (ReferenceVtxCpu), driven the way VMM software drives a
 * processor — VMXON, VMCLEAR, VMPTRLD, VMREAD/VMWRITE, VMLAUNCH/VMRESUME through `execute`, guest
 * steps through `step` — plus the two things VMM software has that the CPU's public surface does not
 * hand out: the guest's general-purpose registers and CR2 at a VM exit (a real VMM's exit stub saves
 * them to memory and its entry stub loads them, §27.3 leaves them in the processor), and physical
 * memory (a real VMM maps it). Both come from the CPU's machine, reached in exactly one place below.
 */
import type { VtxInstruction } from '../../../spec/vtx/instructions.js';
import type { NonRootInput } from '../../../spec/vtx/guest/events.js';
import type { NonRootObservation } from '../../../spec/vtx/non-root/observation.js';
import type { VtxProfile } from '../../../spec/vtx/profile.js';
import type { VtxState } from '../../../spec/vtx/state.js';
import { FIELD_BY_NAME } from '../../../spec/vtx/vmcs/encoding.js';
import type { FieldName } from '../../../spec/vtx/vmcs/fields.js';
import { ReferenceVtxCpu, type StepResult } from '../../cpu/vtx/index.js';
import { Machine, type Registers } from '../../cpu/vtx/machine.js';

/** A failure of the VMM itself (a VMX instruction failed, an exit it cannot handle): never a guest event. */
export class VmmError extends Error {}

const MASK64 = 0xffff_ffff_ffff_ffffn;

export class VmxHost {
  readonly cpu: ReferenceVtxCpu;
  private readonly m: Machine;

  constructor(readonly profile: VtxProfile, state: VtxState) {
    this.cpu = new ReferenceVtxCpu(profile, state);
    // The single reach into the CPU's machine (see the header).
    const m = (this.cpu as unknown as { machine: unknown }).machine;
    if (!(m instanceof Machine)) throw new VmmError('ReferenceVtxCpu no longer keeps its Machine in `machine`');
    this.m = m;
  }

  /** A VMX instruction that must succeed (VMsucceed or a successful VM entry); else VmmError. */
  execute(i: VtxInstruction): StepResult {
    const r = this.cpu.execute(i);
    const k = r.observation.kind;
    // A successful entry whose injected event exits at once reports that exit, with `injection` set.
    if (k !== 'VMsucceed' && k !== 'vm-entry' && !(k === 'vm-exit' && r.injection !== undefined)) {
      const detail = r.observation.kind === 'VMfailValid' ? ` error ${r.observation.error}` : r.observation.kind === 'vm-exit' ? ` exit ${r.observation.reason & 0xffff}` : '';
      throw new VmmError(`${i.op}${'encoding' in i ? ` ${fieldName(i.encoding)}` : ''}: ${k}${detail}${r.failedRule === undefined ? '' : ` (${r.failedRule})`}`);
    }
    return r;
  }

  vmread(name: FieldName): bigint {
    const r = this.execute({ op: 'VMREAD', encoding: encodingOf(name) });
    return r.observation.kind === 'VMsucceed' ? (r.observation.value ?? 0n) : 0n;
  }

  vmwrite(name: FieldName, value: bigint): void {
    this.execute({ op: 'VMWRITE', encoding: encodingOf(name), value: value & MASK64 });
  }

  step(input: NonRootInput): NonRootObservation {
    return this.cpu.step(input).observation;
  }

  /** Guest GPR `n` (4 = RSP, which lives in the VMCS: GUEST_RSP). */
  gpr(n: number): bigint {
    return n === 4 ? this.vmread('GUEST_RSP') : (this.m.cpu.gpr[n] ?? 0n);
  }

  setGpr(n: number, value: bigint): void {
    if (n === 4) this.vmwrite('GUEST_RSP', value);
    else this.m.cpu.gpr[n] = value & MASK64;
  }

  /** A 32-bit register write as the guest's instruction would do it in 64-bit mode: zero-extended. */
  setGpr32(n: number, value: bigint): void {
    this.setGpr(n, value & 0xffff_ffffn);
  }

  get cr2(): bigint { return this.m.cpu.cr2; }
  set cr2(v: bigint) { this.m.cpu.cr2 = v & MASK64; }

  /** The processor's registers: the guest's while it runs in VMX non-root operation. */
  get registers(): Readonly<Registers> { return this.m.cpu; }

  get inGuest(): boolean { return this.m.vmx === 'non-root'; }

  read64(pa: bigint): bigint { return this.m.read64(pa); }
  write64(pa: bigint, v: bigint): void { this.m.write64(pa, v); }
  readBytes(pa: bigint, n: number): bigint { return this.m.readBytes(pa, n); }
  writeBytes(pa: bigint, n: number, v: bigint): void { this.m.writeBytes(pa, n, v); }
  /** The machine, for the RDMSR/WRMSR the VMM performs on the guest's behalf (msr.ts). */
  get machine(): Machine { return this.m; }

  snapshot(): VtxState { return this.cpu.snapshot(); }
}

const ENCODINGS = new Map<string, bigint>();
export const encodingOf = (name: FieldName): bigint => {
  let e = ENCODINGS.get(name);
  if (e === undefined) {
    const spec = FIELD_BY_NAME.get(name);
    if (spec === undefined) throw new VmmError(`no VMCS field ${name}`);
    e = BigInt(spec.encoding);
    ENCODINGS.set(name, e);
  }
  return e;
};

const fieldName = (encoding: bigint): string => {
  for (const [n, s] of FIELD_BY_NAME) if (BigInt(s.encoding) === encoding) return n;
  return `0x${encoding.toString(16)}`;
};
