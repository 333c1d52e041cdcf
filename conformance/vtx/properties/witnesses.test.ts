/**
 * Property (a): for every rule of the VM-entry catalog, its witness — a valid state edited to break
 * exactly that rule — gets exactly the outcome the catalog states, from the model and from the
 * independent reference CPU, and both name that rule as the one that failed. The same for the VMX
 * instruction rules (VMXON … VMWRITE), whose witnesses include the successful cases.
 */
import { describe, expect, test } from 'vitest';
import { describeObservation } from '../../../spec/vtx/observation.js';
import { ENTRY_CHECKS, ENTRY_CHECK_IDS } from '../../../spec/vtx/vm-entry/index.js';
import { decodeCapabilities } from '../../../model/vtx/capabilities.js';
import { conforms, vmEntry } from '../../../model/vtx/vm-entry/index.js';
import { ReferenceVtxCpu } from '../../../reference-vmm/cpu/vtx/index.js';
import { matchesCatalogFailure } from '../expected.js';
import { ENTRY_WITNESSES } from '../witnesses/index.js';
import { realiseWitness } from '../witnesses/realise.js';
import { INSTRUCTION_RULES, type InstructionRuleId } from '../../../spec/vtx/vmx-instructions/index.js';
import { instructionRuleCoverage } from '../coverage.js';

describe('every VM-entry rule has a witness that violates exactly it', () => {
  test.each(ENTRY_CHECK_IDS)('%s', (id) => {
    const { profile, state, instruction } = realiseWitness(ENTRY_WITNESSES[id]);
    const outcome = vmEntry(decodeCapabilities(profile), state, instruction);
    const witness = ENTRY_WITNESSES[id];
    const expected = [id, ...(witness.alsoFails ?? [])];
    expect([...outcome.failedRules].sort(), 'model: failing rules').toEqual([...expected].sort());
    const failure = ENTRY_CHECKS[id].failure;
    expect(matchesCatalogFailure(failure, outcome.canonical, instruction), `model outcome ${describeObservation(outcome.canonical)} vs catalog ${JSON.stringify(failure)}`).toBe(true);

    const ref = new ReferenceVtxCpu(profile, state).execute({ op: instruction });
    expect(expected, 'reference CPU: failing rule').toContain(ref.failedRule);
    expect(conforms(ref.observation, outcome), `reference ${describeObservation(ref.observation)} not permitted`).toBe(true);
  });
});

describe('every VMX instruction rule has a witness decided by exactly that rule', () => {
  test.each(Object.keys(INSTRUCTION_RULES) as InstructionRuleId[])('%s', (id) => {
    const c = instructionRuleCoverage(id);
    expect(c.model, 'model reports the rule and its outcome').toBe(true);
    expect(c.reference, 'reference CPU produces the outcome the rule states').toBe(true);
    expect(c.tested, 'reference outcome permitted by the model').toBe(true);
  });
});
