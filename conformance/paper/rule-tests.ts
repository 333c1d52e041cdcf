/**
 * Which test checks each rule the paper cites. The VM-entry, VMX-instruction and non-root catalogs
 * have one generated test per rule (their witness properties); the other catalogs are tested by
 * hand-written tests whose titles start with "<rule ID>: ", listed here by file (model/ and
 * conformance/ only: a reference-CPU test checks the reference CPU, not the model). Kept as data so
 * that docs/paper.md renders without searching the tree; conformance/paper/paper-map.test.ts checks
 * that each listed file still has such a title.
 */
import { NON_ROOT_RULES, type NonRootRuleId } from '../../spec/vtx/non-root/index.js';
import { catalogOf } from '../../spec/paper/catalogs.js';

export interface TestRef {
  readonly file: string;
  /** The describe blocks around the test, outermost first. */
  readonly suite: readonly string[];
  /** The test's title; "<ID>: …" stands for every test of the file whose title starts so. */
  readonly title: string;
}

export const ENTRY_WITNESS_TESTS = {
  file: 'conformance/vtx/properties/witnesses.test.ts',
  entrySuite: 'every VM-entry rule has a witness that violates exactly it',
  instructionSuite: 'every VMX instruction rule has a witness decided by exactly that rule',
} as const;

export const NON_ROOT_WITNESS_TESTS = { file: 'conformance/vtx/non-root/properties/witnesses.test.ts', suite: 'non-root witnesses' } as const;

/** The title the non-root witness property gives a rule ("witnesses" for an exit rule's pair). */
export const nonRootWitnessTitle = (id: NonRootRuleId): string =>
  `${id}: the model decides the witness${NON_ROOT_RULES[id].category === 'exit' ? 'es' : ''} as the catalog says`;

/** Test files with titles starting "<ID>: ", for the cited rules of the hand-tested catalogs. */
export const TITLED_RULE_TESTS: Readonly<Record<string, readonly string[]>> = {
  'EPT.GUEST.PAGING': ['model/vtx/non-root/memory.test.ts'],
  'EVENT.DELIVERY.IDT32': ['model/vtx/non-root/exceptions.test.ts'],
  'EVENT.VECTORING': ['model/vtx/non-root/exceptions.test.ts'],
  'INJECT.DELIVERY': ['model/vtx/non-root/events/inject.test.ts'],
  'INJECT.ERRORCODE': ['model/vtx/non-root/events/inject.test.ts'],
  'INJECT.NESTED': ['model/vtx/non-root/events/inject.test.ts'],
  'INJECT.NOEXIT': ['model/vtx/non-root/events/inject.test.ts'],
  'INJECT.RIP': ['model/vtx/non-root/events/inject.test.ts'],
  'INJECT.VALID': ['model/vtx/non-root/events/inject.test.ts'],
  'PAGING.USER': ['model/vtx/non-root/memory.test.ts'],
  'ENTRY.LOAD.ACTIVITY': ['model/vtx/vm-entry/load-guest-state.test.ts'],
  'ENTRY.LOAD.DESCRIPTOR_TABLES': ['model/vtx/vm-entry/load-guest-state.test.ts'],
  'ENTRY.LOAD.INTERRUPTIBILITY': ['model/vtx/vm-entry/load-guest-state.test.ts'],
  'ENTRY.LOAD.NONROOT': ['model/vtx/vm-entry/load-guest-state.test.ts'],
  'ENTRY.LOAD.PENDING_DEBUG': ['model/vtx/vm-entry/load-guest-state.test.ts'],
  'ENTRY.LOAD.SEGMENTS': ['model/vtx/vm-entry/load-guest-state.test.ts'],
  'VMEXIT.HOST.CR0': ['model/vtx/vm-exit/load-host-state.test.ts'],
  'VMEXIT.HOST.CR3': ['model/vtx/vm-exit/load-host-state.test.ts'],
  'VMEXIT.HOST.DESCRIPTOR_TABLES': ['model/vtx/vm-exit/load-host-state.test.ts'],
  'VMEXIT.HOST.RIP_RSP': ['model/vtx/vm-exit/load-host-state.test.ts'],
  'VMEXIT.HOST.SEGMENTS.CS': ['model/vtx/vm-exit/load-host-state.test.ts'],
  'VMEXIT.HOST.SEGMENTS.DATA': ['model/vtx/vm-exit/load-host-state.test.ts'],
  'VMEXIT.HOST.SYSENTER': ['model/vtx/vm-exit/load-host-state.test.ts'],
  'VMEXIT.INFO.IDT_VECTORING': ['model/vtx/vm-exit/record-information.test.ts'],
  'VMEXIT.INFO.INTERRUPTION': ['model/vtx/vm-exit/record-information.test.ts'],
  'VMEXIT.INFO.QUALIFICATION': ['model/vtx/vm-exit/record-information.test.ts'],
  'VMEXIT.INFO.REASON': ['model/vtx/vm-exit/record-information.test.ts'],
  'VMEXIT.SAVE.ACTIVITY': ['model/vtx/vm-exit/save-guest-state.test.ts'],
  'VMEXIT.SAVE.CR': ['model/vtx/vm-exit/save-guest-state.test.ts'],
  'VMEXIT.SAVE.DESCRIPTOR_TABLES': ['model/vtx/vm-exit/save-guest-state.test.ts'],
  'VMEXIT.SAVE.INTERRUPTIBILITY': ['model/vtx/vm-exit/save-guest-state.test.ts'],
  'VMEXIT.SAVE.PENDING_DEBUG': ['model/vtx/vm-exit/save-guest-state.test.ts'],
  'VMEXIT.SAVE.RIP.FAULT': ['model/vtx/vm-exit/save-guest-state.test.ts'],
  'VMEXIT.SAVE.RSP': ['model/vtx/vm-exit/save-guest-state.test.ts'],
  'VMEXIT.SAVE.SEGMENTS': ['model/vtx/vm-exit/save-guest-state.test.ts'],
  'VMEXIT.SAVE.SYSENTER': ['model/vtx/vm-exit/save-guest-state.test.ts'],
  'VMEXIT.STATE.ROOT': ['model/vtx/vm-exit/index.test.ts'],
  'VTI.EXTINT.PEND': ['model/vti/interrupts.test.ts'],
  'VTI.GUEST.NO_VP': ['model/vti/instruction.test.ts'],
  'VTI.INTERCEPT.BSW_0': ['model/vti/intercepts/intercepts.test.ts'],
  'VTI.INTERCEPT.BSW_1': ['model/vti/intercepts/intercepts.test.ts'],
  'VTI.INTERCEPT.HANDOFF': ['model/vti/intercepts/intercepts.test.ts'],
  'VTI.INTERCEPT.ITC_D': ['model/vti/intercepts/intercepts.test.ts'],
  'VTI.INTERCEPT.MOV_FROM_CPUID': ['model/vti/intercepts/intercepts.test.ts'],
  'VTI.INTERCEPT.MOV_FROM_CR': ['model/vti/intercepts/intercepts.test.ts'],
  'VTI.INTERCEPT.MOV_FROM_PSR': ['model/vti/intercepts/intercepts.test.ts'],
  'VTI.INTERCEPT.MOV_TO_CR': ['model/vti/intercepts/intercepts.test.ts'],
  'VTI.INTERCEPT.MOV_TO_PSR': ['model/vti/intercepts/intercepts.test.ts'],
  'VTI.INTERCEPT.MOV_TO_RR': ['model/vti/intercepts/intercepts.test.ts'],
  'VTI.INTERCEPT.PTC_L': ['model/vti/intercepts/intercepts.test.ts'],
  'VTI.INTERCEPT.RFI': ['model/vti/intercepts/intercepts.test.ts'],
  'VTI.INTERCEPT.RSM': ['model/vti/intercepts/intercepts.test.ts'],
  'VTI.INTERCEPT.SSM': ['model/vti/intercepts/intercepts.test.ts'],
  'VTI.INTERCEPT.THASH': ['model/vti/intercepts/intercepts.test.ts'],
  'VTI.INTERCEPT.TTAG': ['model/vti/intercepts/intercepts.test.ts'],
  'VTI.INTERCEPT.VMSW': ['model/vti/intercepts/intercepts.test.ts'],
  'VTI.INTERRUPTION.DELIVERY': ['model/vti/instruction.test.ts'],
  'VTI.MOV_CR.INTERRUPTION_CR_IC': ['model/vti/instruction.test.ts'],
  'VTI.NATIVE.BRANCH': ['model/vti/native/native.test.ts'],
  'VTI.NATIVE.MEMORY': ['model/vti/native/native.test.ts'],
  'VTI.NATIVE.MOV_AR': ['model/vti/native/native.test.ts'],
  'VTI.NATIVE.MOV_CR': ['model/vti/native/native.test.ts'],
  'VTI.NATIVE.RFI': ['model/vti/native/native.test.ts'],
  'VTI.NATIVE.THASH': ['model/vti/native/native.test.ts'],
  'VTI.ORDER.PRIVILEGED_FIRST': ['model/vti/instruction.test.ts', 'model/vti/vmsw.test.ts'],
  'VTI.ORDER.PRIVILEGED_REGISTER': ['model/vti/instruction.test.ts'],
  'VTI.PAL.VPS_RESTORE.OK': ['model/vti/pal/services.test.ts'],
  'VTI.PAL.VPS_RESTORE.UNKNOWN_VP': ['model/vti/pal/services.test.ts'],
  'VTI.PAL.VPS_RESUME_HANDLER.OK': ['model/vti/pal/services.test.ts'],
  'VTI.PAL.VPS_RESUME_HANDLER.VAC_MISMATCH': ['model/vti/pal/services.test.ts'],
  'VTI.PAL.VPS_RESUME_NORMAL.OK': ['model/vti/pal/services.test.ts'],
  'VTI.PAL.VPS_RESUME_NORMAL.PSR': ['model/vti/pal/services.test.ts'],
  'VTI.PAL.VPS_RESUME_NORMAL.VPSR_IC': ['model/vti/pal/services.test.ts'],
  'VTI.PAL.VPS_SAVE.OK': ['model/vti/pal/services.test.ts'],
  'VTI.PAL.VPS_SET_PENDING_INTERRUPT.OK': ['model/vti/pal/services.test.ts'],
  'VTI.PAL.VPS_SYNC_READ.NOT_CURRENT': ['model/vti/pal/services.test.ts'],
  'VTI.PAL.VPS_SYNC_READ.OK': ['model/vti/pal/services.test.ts'],
  'VTI.PAL.VPS_SYNC_READ.PSR': ['model/vti/pal/services.test.ts'],
  'VTI.PAL.VPS_SYNC_WRITE.OK': ['model/vti/pal/services.test.ts'],
  'VTI.PAL.VPS_THASH.OK': ['model/vti/pal/services.test.ts'],
  'VTI.PAL.VPS_THASH.PSR': ['model/vti/pal/services.test.ts'],
  'VTI.PAL.VPS_TTAG.OK': ['model/vti/pal/services.test.ts'],
  'VTI.PAL.VP_CREATE.BAD_VPD': ['model/vti/pal/procedures.test.ts'],
  'VTI.PAL.VP_CREATE.OK': ['model/vti/pal/procedures.test.ts'],
  'VTI.PAL.VP_ENV_INFO.OK': ['model/vti/pal/procedures.test.ts'],
  'VTI.PAL.VP_EXIT_ENV.OK': ['model/vti/pal/procedures.test.ts'],
  'VTI.PAL.VP_INIT_ENV.BAD_OPTIONS': ['model/vti/pal/procedures.test.ts'],
  'VTI.PAL.VP_INIT_ENV.OK': ['model/vti/pal/procedures.test.ts'],
  'VTI.PAL.VP_REGISTER.OK': ['model/vti/pal/procedures.test.ts'],
  'VTI.PAL.VP_RESTORE.OK': ['model/vti/pal/procedures.test.ts'],
  'VTI.PAL.VP_SAVE.OK': ['model/vti/pal/procedures.test.ts'],
  'VTI.PAL.VP_TERMINATE.OK': ['model/vti/pal/procedures.test.ts'],
  'VTI.UNIMPL_VA.DATA': ['model/vti/address-space.test.ts'],
  'VTI.UNIMPL_VA.INSTRUCTION': ['model/vti/address-space.test.ts'],
  'VTI.UNIMPL_VA.PROBE': ['model/vti/address-space.test.ts'],
  'VTI.UNIMPL_VA.THASH_TTAG': ['model/vti/address-space.test.ts'],
  'VTI.UNIMPL_VA.VMM': ['model/vti/address-space.test.ts'],
  'VTI.VAC.a_bsw': ['model/vti/accelerations/accelerations.test.ts'],
  'VTI.VAC.a_cover': ['model/vti/accelerations/accelerations.test.ts'],
  'VTI.VAC.a_from_cpuid': ['model/vti/accelerations/accelerations.test.ts'],
  'VTI.VAC.a_from_int_cr': ['model/vti/accelerations/accelerations.test.ts'],
  'VTI.VAC.a_from_psr': ['model/vti/accelerations/accelerations.test.ts'],
  'VTI.VAC.a_int': ['model/vti/interrupts.test.ts'],
  'VTI.VAC.a_to_int_cr': ['model/vti/accelerations/accelerations.test.ts'],
  'VTI.VDC.d_extint': ['model/vti/accelerations/accelerations.test.ts'],
  'VTI.VDC.d_ibr_dbr': ['model/vti/accelerations/accelerations.test.ts'],
  'VTI.VDC.d_itm': ['model/vti/accelerations/accelerations.test.ts'],
  'VTI.VDC.d_pmc': ['model/vti/accelerations/accelerations.test.ts'],
  'VTI.VDC.d_to_pmd': ['model/vti/accelerations/accelerations.test.ts'],
  'VTI.VDC.d_vmsw': ['model/vti/accelerations/accelerations.test.ts'],
  'VTI.VEI.DELIVER': ['model/vti/interrupts.test.ts'],
  'VTI.VEI.MASKED': ['model/vti/interrupts.test.ts'],
  'VTI.VMSW.ILLEGAL': ['model/vti/vmsw.test.ts'],
  'VTI.VMSW.SWITCH': ['model/vti/vmsw.test.ts'],
};

export const testsOfRule = (id: string): readonly TestRef[] => {
  switch (catalogOf(id)) {
    case 'vm-entry': return [{ file: ENTRY_WITNESS_TESTS.file, suite: [ENTRY_WITNESS_TESTS.entrySuite], title: id }];
    case 'vmx-instructions': return [{ file: ENTRY_WITNESS_TESTS.file, suite: [ENTRY_WITNESS_TESTS.instructionSuite], title: id }];
    case 'non-root': return [{ file: NON_ROOT_WITNESS_TESTS.file, suite: [NON_ROOT_WITNESS_TESTS.suite], title: nonRootWitnessTitle(id as NonRootRuleId) }];
    case 'controls': case null: return [];
    default: return (TITLED_RULE_TESTS[id] ?? []).map((file) => ({ file, suite: [], title: `${id}: …` }));
  }
};
