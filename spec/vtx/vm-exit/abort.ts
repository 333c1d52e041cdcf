/**
 * §27.7 "VMX Aborts": a problem during a VM exit (or during the host-state loading of a §26.7 VM-entry
 * failure) does not return to the VMM: the processor writes a non-zero 32-bit VMX-abort indicator at
 * byte offset 4 of the VMCS region and shuts down until RESET. The VMCS data are not written further.
 */
import { rule, type TransitionRuleSpec } from './rule.js';

/** The VMX-abort indicators of the June 2016 SDM (six, although the text introduces "the following values"). */
export const VMX_ABORT_INDICATORS = {
  1: 'failure saving guest MSRs (§27.4)',
  2: 'host PDPTE check failed (§27.5.4)',
  3: 'current VMCS corrupted: the VM exit cannot complete',
  4: 'failure loading host MSRs (§27.6)',
  5: 'machine-check event during the VM exit (§27.8)',
  6: 'processor in IA-32e mode before the exit and "host address-space size" = 0 (§27.5)',
} as const;

export type VmxAbortIndicator = keyof typeof VMX_ABORT_INDICATORS;

/** Byte offset of the VMX-abort indicator in a VMCS region (§24.2). */
export const VMX_ABORT_INDICATOR_OFFSET = 4n;

export const ABORT_RULES = {
  'VMEXIT.ABORT': rule({
    section: '27.7', stage: 'abort',
    statement: 'A VMX abort writes its non-zero 32-bit indicator (1-6, VMX_ABORT_INDICATORS) at byte offset 4 of the VMCS region, writes no other VMCS data, and puts the processor in the VMX-abort shutdown state (TXT shutdown 000DH in SMX operation)',
    source: 'S 27.7; BX VMabort; K (indicators 1-4)',
  }),
  'VMEXIT.ABORT.SHUTDOWN': rule({
    section: '27.7', stage: 'abort',
    statement: 'Only RESET leaves the VMX-abort shutdown state: machine checks, INIT, external interrupts, NMIs, SIPIs and SMIs do not affect it',
    source: 'S 27.7',
    confidence: 'S',
  }),
  'VMEXIT.ABORT.CORRUPT': rule({
    section: '27.7', stage: 'abort',
    statement: 'A current VMCS corrupted (through writes to its region) so that the exit cannot complete is VMX abort 3',
    source: 'S 27.7; BX', confidence: 'S',
    notModelled: 'the model keeps VMCS data apart from the region memory it may corrupt; no exit reads a corrupted VMCS',
  }),
  'VMEXIT.ABORT.MACHINE_CHECK': rule({
    section: '27.8', stage: 'abort',
    statement: 'A machine-check event during a VM exit may be handled before or after the exit, or cause VMX abort 5',
    source: 'S 27.8; BX', confidence: 'S',
    notModelled: 'the abstraction has no machine-check events',
  }),
} as const satisfies Record<string, TransitionRuleSpec>;
