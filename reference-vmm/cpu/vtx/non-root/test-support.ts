/** Fixtures of the non-root unit tests: the non-root baseline, edits of it, and one reference step. */
import { CONTROLS, CONTROL_VECTORS, type ControlName } from '../../../../spec/vtx/controls.js';
import type { GuestEvent, NonRootInput } from '../../../../spec/vtx/guest/events.js';
import type { GuestInstruction } from '../../../../spec/vtx/guest/instructions.js';
import type { ExitInformation, NonRootObservation } from '../../../../spec/vtx/non-root/observation.js';
import { BUILTIN_PROFILES } from '../../../../spec/vtx/profiles/index.js';
import type { VtxProfile } from '../../../../spec/vtx/profile.js';
import { readField, type CpuRegisters, type VtxState } from '../../../../spec/vtx/state.js';
import type { FieldName } from '../../../../spec/vtx/vmcs/fields.js';
import { GUEST_LAYOUT, nonRootBaseline, withCpu, withMemory, withVmcs } from '../../../../conformance/vtx/non-root/baseline.js';
import { ReferenceVtxCpu } from '../index.js';

export const SKYLAKE: VtxProfile = BUILTIN_PROFILES['bochs-skylake-x'];
export const MAX: VtxProfile = BUILTIN_PROFILES['vtx-max'];
export { GUEST_LAYOUT };

export type Edit = (s: VtxState) => VtxState;

export const guest = (profile: VtxProfile = SKYLAKE, ...edits: Edit[]): VtxState => edits.reduce((s, e) => e(s), nonRootBaseline(profile));

const current = (s: VtxState, name: FieldName): bigint => readField(s.vmcs.get(s.currentVmcs!)!.fields, name);

export const on = (...names: ControlName[]): Edit => (s) => names.reduce((t, name) => {
  const c = CONTROLS[name];
  const field = CONTROL_VECTORS[c.vector].field as FieldName;
  let next = withVmcs(t, { [field]: current(t, field) | (1n << BigInt(c.bit)) });
  if (c.vector === 'proc2') next = withVmcs(next, { CPU_BASED_VM_EXEC_CONTROL: current(next, 'CPU_BASED_VM_EXEC_CONTROL') | (1n << 31n) });
  return next;
}, s);

export const fields = (values: Partial<Record<FieldName, bigint>>): Edit => (s) => withVmcs(s, values);
export const cpu = (values: Partial<CpuRegisters>): Edit => (s) => withCpu(s, values);
export const regs = (values: Record<number, bigint>): Edit => (s) => withCpu(s, { gpr: s.cpu.gpr.map((v, i) => values[i] ?? v) });
export const words = (...w: (readonly [bigint, bigint])[]): Edit => (s) => withMemory(s, w);
/** Sets bit `n` of the bitmap at `base`. */
export const bitmapBit = (base: bigint, n: number): Edit => (s) => {
  const at = base + BigInt(Math.floor(n / 64) * 8);
  return withMemory(s, [[at, (s.memory.get(at) ?? 0n) | (1n << BigInt(n % 64))]]);
};
export const cpl3: Edit = (s) => withCpu(s, {
  cpl: 3,
  segments: {
    ...s.cpu.segments,
    cs: { selector: 0x2b, base: 0n, limit: 0xffff_ffff, accessRights: 0xa0fb },
    ss: { selector: 0x33, base: 0n, limit: 0xffff_ffff, accessRights: 0xc0f3 },
  },
});
export const interruptsOn: Edit = (s) => withCpu(s, { rflags: s.cpu.rflags | 0x200n });

export interface Ran {
  readonly o: NonRootObservation;
  readonly after: VtxState;
  readonly field: (name: FieldName) => bigint;
}

export const run = (s: VtxState, input: NonRootInput, profile: VtxProfile = SKYLAKE): Ran => {
  const cpu = new ReferenceVtxCpu(profile, s);
  const o = cpu.step(input).observation;
  const after = cpu.snapshot();
  return { o, after, field: (name) => current(after, name) };
};

export const ins = (instruction: GuestInstruction): NonRootInput => ({ kind: 'instruction', instruction });
export const ev = (event: GuestEvent): NonRootInput => ({ kind: 'event', event });

/** The exit information of a VM-exit observation (throws otherwise, so that the test fails). */
export const exitOf = (o: NonRootObservation): ExitInformation => {
  if (o.kind !== 'vm-exit') throw new Error(`expected a VM exit, got ${o.kind}`);
  return o.exit;
};
