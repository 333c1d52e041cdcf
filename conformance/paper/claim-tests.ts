/**
 * Property tests that check a claim as a whole, beyond the per-rule tests of ./rule-tests.ts: a
 * claim about several rules at once, or about a VMM. Kept as data for docs/paper.md;
 * conformance/paper/paper-map.test.ts checks each file still has the suite and title.
 */
import type { PaperClaimId } from '../../spec/paper/sections.js';
import type { TestRef } from './rule-tests.js';

const ref = (file: string, suite: string, title: string): TestRef => ({ file, suite: [suite], title });

const VALID_ENTRY = ref('conformance/vtx/properties/valid-entry.test.ts', 'a valid VMCS enters with the guest-state area loaded', 'profile × guest kind × free fields');
const HOST_STATE = ref('conformance/vtx/non-root/properties/host-state.test.ts', '§27.5 host state after a VM exit', 'Host state after every exit equals what §27.5 prescribes');
const INSTRUCTION_EXITS = ref('conformance/vtx/non-root/properties/instruction-exits.test.ts', 'instruction exits follow the catalog conditions',
  'exits, with the rule\'s reason, iff the re-stated condition holds');
const EXTINT_ACK = ref('conformance/vtx/non-root/properties/events.test.ts', 'events at an instruction boundary',
  'EXIT.EXTINT.ACK: an external-interrupt exit is acknowledged (vector reported, no longer pending) exactly with the control');

const VTI_MODEL = 'conformance/vti/properties/model.test.ts';
const VTI_INTERCEPTS = ref(VTI_MODEL, 'intercepts with PSR.vm = 1 and no accelerations (SDM rev 2.3 §11.7.3, Table 11-22)',
  'cpl 0: intercept with the cause; cpl > 0: privileged ones fault first');
const VAC_SUITE = 'vac accelerations act on the VPD copy without an intercept (SDM rev 2.3 §11.7.4.2)';
const VAC_INT_CR = ref(VTI_MODEL, VAC_SUITE, 'a_from_int_cr: mov r1 = cr[16..25] returns vcr[n]');
const VAC_PSR = ref(VTI_MODEL, VAC_SUITE, 'a_from_psr: mov r1 = psr returns the guest PSR: vpsr, with the user mask the guest set itself in the real PSR');
const VA_BIT = ref(VTI_MODEL, 'the uppermost implemented VA bit is the VMM\'s (ITJ; UNIMPLEMENTED_VA_RULE)',
  'guest loads and stores succeed exactly on addresses that do not use bit IMPL_VA_MSB; the VMM has it');
const VEI = ref(VTI_MODEL, 'the Virtual External Interrupt is delivered exactly when unmasked (SDM 2:187; ITJ)', 'before the next guest instruction');

const VTI_VMM = 'conformance/vti/properties/vmm.test.ts';
const MOV_FROM_PTA = ref(VTI_VMM, 'ITJ "Instruction Emulation": MOV-from-PTA', 'returns the guest PTA, not the relocated machine PTA, and leaves cr.iipa naming it');
const INT_CR_COUNT = ref(VTI_VMM, 'acceptance: a guest reading the interruption CRs in every handler',
  'takes N > 0 interruption-CR intercepts without acceleration and exactly 0 with it');

export const CLAIM_TESTS: Partial<Readonly<Record<PaperClaimId, readonly TestRef[]>>> = {
  'PAPER.VTX.TRANSITIONS': [VALID_ENTRY, HOST_STATE],
  'PAPER.VTX.GUEST-STATE.REGISTERS': [HOST_STATE],
  'PAPER.VTX.EXIT-CAUSES': [INSTRUCTION_EXITS],
  'PAPER.VTX.EXTINT-EXITING': [EXTINT_ACK],
  'PAPER.VTX.IO-BITMAPS': [INSTRUCTION_EXITS],
  'PAPER.VTX.MSR-BITMAPS': [INSTRUCTION_EXITS],
  'PAPER.VTX.EXIT-CONTROLS': [INSTRUCTION_EXITS],
  'PAPER.VTI.INTERCEPTS': [VTI_INTERCEPTS],
  'PAPER.VTI.VA-BIT': [VA_BIT],
  'PAPER.VTI.VAC': [VAC_INT_CR, VAC_PSR],
  'PAPER.VTI.VIRTUAL-EXTINT-VECTOR': [VEI],
  'PAPER.SOLVE.ADDRESS-SPACE.VTI': [VA_BIT],
  'PAPER.SOLVE.INTERRUPTS.MASKING.VTI': [VAC_PSR],
  'PAPER.SOLVE.INTERRUPTS.PENDING.VTI': [VEI],
  'PAPER.SOLVE.INTERRUPTION-CRS.VTI': [VAC_INT_CR, INT_CR_COUNT],
  'PAPER.USAGE.VTI.EMULATION': [MOV_FROM_PTA],
  'PAPER.USAGE.VTI.INTERCEPT-ALL': [VTI_INTERCEPTS],
  'PAPER.USAGE.VTI.INT-CR-READ': [INT_CR_COUNT],
};
