/**
 * The model's entry point for VT-x: one VMX instruction from a state, on a processor described by a
 * capability profile. Pure and total: every decoded input yields an outcome, never an exception.
 */
import { match } from 'ts-pattern';
import type { VtxInstruction } from '../../spec/vtx/instructions.js';
import type { Observation } from '../../spec/vtx/observation.js';
import type { VtxState } from '../../spec/vtx/state.js';
import type { Capabilities } from './capabilities.js';
import { vmclear } from './instructions/vmclear.js';
import { vmptrld } from './instructions/vmptrld.js';
import { vmptrst } from './instructions/vmptrst.js';
import { vmread } from './instructions/vmread.js';
import { vmwrite } from './instructions/vmwrite.js';
import { vmxoff } from './instructions/vmxoff.js';
import { vmxon } from './instructions/vmxon.js';
import type { Outcome } from './outcome.js';
import { vmEntry } from './vm-entry/index.js';


const deterministic = (r: { observation: Observation; state: VtxState; rule: string }): Outcome => ({
  canonical: r.observation,
  permitted: [r.observation],
  undefinedBehaviour: false,
  failedRules: r.rule.endsWith('.OK') ? [] : [r.rule],
  state: r.state,
});

export const step = (caps: Capabilities, state: VtxState, instr: VtxInstruction): Outcome =>
  match(instr)
    .with({ op: 'VMXON' }, (i) => deterministic(vmxon(caps, state, i.operand)))
    .with({ op: 'VMXOFF' }, () => deterministic(vmxoff(state)))
    .with({ op: 'VMCLEAR' }, (i) => deterministic(vmclear(caps, state, i.operand)))
    .with({ op: 'VMPTRLD' }, (i) => deterministic(vmptrld(caps, state, i.operand)))
    .with({ op: 'VMPTRST' }, () => deterministic(vmptrst(state)))
    .with({ op: 'VMREAD' }, (i) => deterministic(vmread(caps, state, i.encoding)))
    .with({ op: 'VMWRITE' }, (i) => deterministic(vmwrite(caps, state, i.encoding, i.value)))
    .with({ op: 'VMLAUNCH' }, { op: 'VMRESUME' }, (i) => vmEntry(caps, state, i.op))
    .exhaustive();
