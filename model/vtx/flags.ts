/**
 * §30.2 conventions: how VMsucceed, VMfailInvalid and VMfailValid(n) change RFLAGS and the current
 * VMCS. VMfail(n) is VMfailValid(n) when a current VMCS exists, else VMfailInvalid.
 */
import type { Observation } from '../../spec/vtx/observation.js';
import { writeField, type VtxState } from '../../spec/vtx/state.js';

// CF, PF, AF, ZF, SF, OF.
const ARITH = (1n << 0n) | (1n << 2n) | (1n << 4n) | (1n << 6n) | (1n << 7n) | (1n << 11n);
const CF = 1n;
const ZF = 1n << 6n;

const withFlags = (s: VtxState, set: bigint): VtxState => ({
  ...s,
  cpu: { ...s.cpu, rflags: (s.cpu.rflags & ~ARITH) | set },
});

export interface Step {
  readonly observation: Observation;
  readonly state: VtxState;
}

export const vmSucceed = (s: VtxState, value?: bigint): Step => ({
  observation: value === undefined ? { kind: 'VMsucceed' } : { kind: 'VMsucceed', value },
  state: withFlags(s, 0n),
});

export const vmFailInvalid = (s: VtxState): Step => ({ observation: { kind: 'VMfailInvalid' }, state: withFlags(s, CF) });

/** VMfailValid(error): ZF = 1 and the VM-instruction error field of the current VMCS := error. */
export const vmFailValid = (s: VtxState, error: number): Step => {
  const at = s.currentVmcs!;
  const region = s.vmcs.get(at)!;
  const vmcs = new Map(s.vmcs);
  vmcs.set(at, { ...region, fields: writeField(region.fields, 'VM_INSTRUCTION_ERROR', BigInt(error)) });
  return { observation: { kind: 'VMfailValid', error }, state: withFlags({ ...s, vmcs }, ZF) };
};

export const hasCurrentVmcs = (s: VtxState): boolean => s.currentVmcs !== null && s.vmcs.has(s.currentVmcs);

export const vmFail = (s: VtxState, error: number): Step => (hasCurrentVmcs(s) ? vmFailValid(s, error) : vmFailInvalid(s));

export const fault = (s: VtxState, vector: '#UD' | '#GP(0)'): Step => ({ observation: { kind: 'fault', vector }, state: s });
