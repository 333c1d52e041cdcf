/**
 * What the VM exit as a whole does to the processor's mode (ch. 27 introduction, §27.5): it returns
 * to VMX root operation at CPL 0 in the host.
 */
import { rule, type TransitionRuleSpec } from './rule.js';

export const TRANSITION_RULES = {
  'VMEXIT.STATE.ROOT': rule({
    section: '27', stage: 'transition',
    statement: 'A VM exit that completes leaves the processor in VMX root operation, in the host at CPL 0, with the exit information recorded and the guest state saved in the current VMCS',
    source: 'S 27 (introduction), 27.5.2; BX VMexit',
  }),
} as const satisfies Record<string, TransitionRuleSpec>;
