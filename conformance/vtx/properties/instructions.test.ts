/**
 * Refinement for the VMX instructions (SDM ch. 30): random sequences of VMXON, VMXOFF, VMCLEAR,
 * VMPTRLD, VMPTRST, VMREAD, VMWRITE, VMLAUNCH and VMRESUME from states in and out of VMX operation,
 * executed step by step by the model and by the reference CPU. At every step the reference CPU's
 * observation must be permitted by the model, and the two next states must agree on everything the
 * instructions define (VMX mode, pointers, launch states, the VM-instruction error and written fields).
 */
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { describeObservation } from '../../../spec/vtx/observation.js';
import { BUILTIN_PROFILES } from '../../../spec/vtx/profiles/index.js';
import { readField, type VtxState } from '../../../spec/vtx/state.js';
import { VMCS_FIELDS } from '../../../spec/vtx/vmcs/fields.js';
import { decodeCapabilities } from '../../../model/vtx/capabilities.js';
import { conforms } from '../../../model/vtx/vm-entry/index.js';
import { step } from '../../../model/vtx/step.js';
import { ReferenceVtxCpu } from '../../../reference-vmm/cpu/vtx/index.js';
import { profileNameArb, vmxInstructionArb } from '../arbitraries.js';
import { BASELINE_KINDS, VMCS_REGION, VMXON_REGION, baselineState, baselineSupported } from '../baseline.js';
import { FC_PARAMS } from './params.js';

/** Addresses near the interesting ones: the VMXON and VMCS regions, misaligned, beyond MAXPHYADDR. */
const addressArb = fc.constantFrom(VMXON_REGION, VMCS_REGION, 0x3000n, VMCS_REGION + 8n, 1n << 40n, 1n << 47n, 0xffff_ffff_ffff_f000n);
const encodingArb = fc.oneof(
  fc.constantFrom(...VMCS_FIELDS.map((f) => BigInt(f.encoding))),
  fc.constantFrom(...VMCS_FIELDS.map((f) => BigInt(f.encoding | 1))),
  fc.bigInt({ min: 0n, max: 0xffff_ffffn }),
  fc.constant(1n << 32n),
);
const valueArb = fc.oneof(fc.constantFrom(0n, 1n, 0xffffn, 0xffff_ffffn, 0xffff_ffff_ffff_ffffn), fc.bigInt({ min: 0n, max: 0xffff_ffff_ffff_ffffn }));

const instructionArb = vmxInstructionArb(addressArb, encodingArb, valueArb);

/** Where the sequence starts: a valid root-mode baseline, or outside VMX operation, at CPL 0 or 3, in 64-bit, compatibility or legacy protected mode. */
const startArb = fc.record({
  profile: profileNameArb,
  kind: fc.constantFrom(...BASELINE_KINDS),
  outside: fc.boolean(),
  cpl: fc.constantFrom(0, 0, 0, 3),
  mode: fc.constantFrom('64-bit' as const, '64-bit' as const, 'compatibility' as const, 'legacy protected' as const),
}).filter((s) => baselineSupported(BUILTIN_PROFILES[s.profile], s.kind));

/**
 * What the instructions define about the next state. RFLAGS is left out: the observation already
 * says VMsucceed / VMfailInvalid / VMfailValid, and the reference CPU reports flags only that way.
 */
const essence = (s: VtxState, regions: readonly bigint[]) => ({
  vmx: s.vmx,
  vmxonPointer: s.vmxonPointer,
  currentVmcs: s.currentVmcs,
  // A region neither implementation has touched reads as all zeros with launch state clear.
  regions: regions.map((a) => {
    const r = s.vmcs.get(a);
    return [a, r?.launchState ?? 'clear', r === undefined ? 0n : readField(r.fields, 'VM_INSTRUCTION_ERROR')] as const;
  }),
});
const regionsOf = (...states: VtxState[]) => [...new Set(states.flatMap((s) => [...s.vmcs.keys()]))].sort((a, b) => (a < b ? -1 : 1));

describe('refinement: VMX instruction sequences', () => {
  test.prop([startArb, fc.array(instructionArb, { minLength: 1, maxLength: 10 })], FC_PARAMS(20_000))('model permits every reference step', (start, program) => {
    const profile = BUILTIN_PROFILES[start.profile];
    const caps = decodeCapabilities(profile);
    const base = baselineState(profile, start.kind);
    let state: VtxState = {
      ...base,
      ...(start.outside ? { vmx: 'outside' as const, vmxonPointer: null, currentVmcs: null } : {}),
      cpu: {
        ...base.cpu,
        cpl: start.cpl,
        csL: start.mode === '64-bit',
        // Legacy protected mode: IA32_EFER.LMA = LME = 0, so VMREAD/VMWRITE operands are 32 bits wide.
        efer: start.mode === 'legacy protected' ? 0n : base.cpu.efer,
      },
    };
    const ref = new ReferenceVtxCpu(profile, state);
    for (const instr of program) {
      const outcome = step(caps, state, instr);
      const observed = ref.execute(instr).observation;
      expect(conforms(observed, outcome), `${instr.op}: reference ${describeObservation(observed)}; model permits ${outcome.permitted.map(describeObservation).join(' | ')} (${outcome.failedRules.join(', ') || 'no rule failed'})`).toBe(true);
      // Only compare the next states when both took the canonical path (looseness may legally diverge).
      if (outcome.permitted.length === 1) {
        const regions = regionsOf(ref.snapshot(), outcome.state);
        expect(essence(ref.snapshot(), regions), `${instr.op}: next state`).toEqual(essence(outcome.state, regions));
      }
      state = outcome.permitted.length === 1 ? outcome.state : ref.snapshot();
      if (outcome.canonical.kind === 'vm-entry') break; // non-root operation is the next stage's scope
    }
  });
});
