/**
 * SDM §26.2.4 "Checks Related to Address-Space Size": consistency between the current IA32_EFER.LMA,
 * the "IA-32e mode guest" VM-entry control (bit 9), the "host address-space size" VM-exit control
 * (bit 9) and the host CR4/RIP fields. The SDM does not say whether the rules that tie controls to
 * each other fail with error 7 or 8; Bochs and KVM give 8, so 8 is canonical and 7 also permitted.
 */
import { VF8, vmfailValid, type EntryCheckSpec } from './rule.js';

const S = '26.2.4';
const HOST = 'host' as const;
const VF87 = vmfailValid(8, [7]);
const INTEL64 = 'the processor supports Intel 64';

export const ADDRESS_SPACE_SIZE_CHECKS = {
  'HOST.ASZ.LMA0.GUEST': {
    section: S, phase: HOST,
    statement: 'IA-32e mode guest (VM-entry control bit 9) = 0',
    precondition: `${INTEL64} and IA32_EFER.LMA = 0 at the time of VM entry`,
    failure: VF87, reads: ['VM_ENTRY_CONTROLS'], since: '2016', confidence: '2+',
  },
  'HOST.ASZ.LMA0.HOST': {
    section: S, phase: HOST,
    statement: 'Host address-space size (VM-exit control bit 9) = 0',
    precondition: `${INTEL64} and IA32_EFER.LMA = 0 at the time of VM entry`,
    failure: VF87, reads: ['VM_EXIT_CONTROLS'], since: '2016', confidence: '2+',
  },
  'HOST.ASZ.LMA1.HOST': {
    section: S, phase: HOST,
    statement: 'Host address-space size (VM-exit control bit 9) = 1',
    precondition: `${INTEL64} and IA32_EFER.LMA = 1 at the time of VM entry`,
    failure: VF87, reads: ['VM_EXIT_CONTROLS'], since: '2016', confidence: '2+',
  },
  'HOST.ASZ.H0.GUEST': {
    section: S, phase: HOST,
    statement: 'IA-32e mode guest (VM-entry control bit 9) = 0',
    precondition: `${INTEL64} and host address-space size = 0`,
    failure: VF87, reads: ['VM_EXIT_CONTROLS', 'VM_ENTRY_CONTROLS'], since: '2016', confidence: '2+',
  },
  'HOST.ASZ.H0.PCIDE': {
    section: S, phase: HOST,
    statement: 'Host CR4.PCIDE (bit 17) = 0',
    precondition: `${INTEL64} and host address-space size = 0`,
    failure: VF8, reads: ['VM_EXIT_CONTROLS', 'HOST_CR4'], since: '2016', confidence: '2+',
  },
  'HOST.ASZ.H0.RIP': {
    section: S, phase: HOST,
    statement: 'Host RIP bits 63:32 = 0',
    precondition: `${INTEL64} and host address-space size = 0`,
    failure: VF8, reads: ['VM_EXIT_CONTROLS', 'HOST_RIP'], since: '2016', confidence: '2+',
  },
  'HOST.ASZ.H1.PAE': {
    section: S, phase: HOST,
    statement: 'Host CR4.PAE (bit 5) = 1',
    precondition: `${INTEL64} and host address-space size = 1`,
    failure: VF8, reads: ['VM_EXIT_CONTROLS', 'HOST_CR4'], since: '2016', confidence: '2+',
  },
  'HOST.ASZ.H1.RIP': {
    section: S, phase: HOST,
    statement: 'Host RIP is canonical',
    precondition: `${INTEL64} and host address-space size = 1`,
    failure: VF8, reads: ['VM_EXIT_CONTROLS', 'HOST_RIP'], since: '2016', confidence: '2+',
  },
  'HOST.ASZ.NO64': {
    section: S, phase: HOST,
    statement: 'IA-32e mode guest (VM-entry control bit 9) and host address-space size (VM-exit control bit 9) are both 0',
    precondition: 'the processor does not support Intel 64',
    failure: VF87, reads: ['VM_ENTRY_CONTROLS', 'VM_EXIT_CONTROLS'], since: '2016', confidence: 'S',
  },
} as const satisfies Record<string, EntryCheckSpec>;
