/**
 * §26.1 "Basic VM-entry checks" together with the ch. 30 VMLAUNCH/VMRESUME pseudocode: strictly
 * ordered, evaluated before any VMCS field is examined.
 */
import type { EntryCheckSpec } from './rule.js';

export const BASIC_CHECKS = {
  'BASIC.VMXOP': {
    section: '30 (VMLAUNCH/VMRESUME)', phase: 'basic', statement: 'the logical processor is in VMX operation',
    precondition: 'always', failure: { kind: 'fault', vector: '#UD' }, reads: [], since: '2016', confidence: '2+',
  },
  'BASIC.MODE': {
    section: '26.1', phase: 'basic', statement: 'CR0.PE = 1, RFLAGS.VM = 0, and not compatibility mode (IA32_EFER.LMA = 1 with CS.L = 0)',
    precondition: 'always', failure: { kind: 'fault', vector: '#UD' }, reads: [], since: '2016', confidence: '2+',
  },
  'BASIC.NONROOT': {
    section: '30 (VMLAUNCH/VMRESUME)', phase: 'basic', statement: 'not in VMX non-root operation (there VMLAUNCH exits with reason 20, VMRESUME with 24)',
    precondition: 'always', failure: { kind: 'vm-exit', reason: 20 }, reads: [], since: '2016', confidence: '2+',
  },
  'BASIC.CPL': {
    section: '26.1', phase: 'basic', statement: 'CPL = 0',
    precondition: 'always', failure: { kind: 'fault', vector: '#GP(0)' }, reads: [], since: '2016', confidence: '2+',
  },
  'BASIC.CURVMCS': {
    section: '26.1', phase: 'basic', statement: 'there is a current VMCS (the current-VMCS pointer is not FFFFFFFF_FFFFFFFFH)',
    precondition: 'always', failure: { kind: 'VMfailInvalid' }, reads: [], since: '2016', confidence: '2+',
  },
  'BASIC.NOTSHADOW': {
    section: '26.1', phase: 'basic', statement: 'the current VMCS is not a shadow VMCS (bit 31 of its revision dword is 0)',
    precondition: 'always', failure: { kind: 'VMfailInvalid' }, reads: [], since: '2016', confidence: 'S',
  },
  'BASIC.MOVSS': {
    section: '26.1', phase: 'basic', statement: 'events are not blocked by MOV SS / POP SS',
    precondition: 'always', failure: { kind: 'VMfailValid', error: 26 }, reads: [], since: '2016', confidence: '2+',
  },
  'BASIC.LAUNCH.CLEAR': {
    section: '26.1', phase: 'basic', statement: 'VMLAUNCH: the launch state of the current VMCS is clear',
    precondition: 'instruction is VMLAUNCH', failure: { kind: 'VMfailValid', error: 4 }, reads: [], since: '2016', confidence: '2+',
  },
  'BASIC.RESUME.LAUNCHED': {
    section: '26.1', phase: 'basic', statement: 'VMRESUME: the launch state of the current VMCS is launched',
    precondition: 'instruction is VMRESUME', failure: { kind: 'VMfailValid', error: 5 }, reads: [], since: '2016', confidence: '2+',
  },
} as const satisfies Record<string, EntryCheckSpec>;
