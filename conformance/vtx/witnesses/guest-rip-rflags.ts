/**
 * Witnesses for SDM §26.3.1.4 (spec/vtx/vm-entry/guest-rip-rflags.ts).
 */
import type { GUEST_RIP_RFLAGS_CHECKS } from '../../../spec/vtx/vm-entry/guest-rip-rflags.js';
import { clearBits, patch, setBits } from './edit.js';
import type { EntryWitness } from './witness.js';

const V86_AR = () => 0xf3n;

export const GUEST_RIP_RFLAGS_WITNESSES = {
  'GUEST.RIP.HI': { baseline: 'protected', fields: { GUEST_RIP: 0x1_0000_1000n } },
  // Bits 63:48 not all equal. (8000_0000_0000H would pass: RIP.CANON looks at 63:N, not 63:N-1.)
  'GUEST.RIP.CANON': { fields: { GUEST_RIP: 0x0001_0000_0000_1000n } },
  'GUEST.RFLAGS.RSVD0': { edit: patch({ GUEST_RFLAGS: setBits(3) }) },
  'GUEST.RFLAGS.BIT1': { edit: patch({ GUEST_RFLAGS: clearBits(1) }) },
  // A virtual-8086 guest declared IA-32e: CR4.PAE keeps IA32E.PAE satisfied; its TR is already a busy 32-bit TSS (type 11).
  'GUEST.RFLAGS.VM.IA32E': { baseline: 'v86', edit: patch({ VM_ENTRY_CONTROLS: setBits(9), GUEST_CR4: setBits(5) }) },
  // A real-mode (unrestricted) guest with RFLAGS.VM = 1 and segments that pass the virtual-8086 rules
  // (the baseline's bases are already selector × 16 and its limits FFFFH).
  'GUEST.RFLAGS.VM.REAL': {
    baseline: 'unrestricted-real',
    edit: patch({
      GUEST_RFLAGS: setBits(17),
      GUEST_CS_AR_BYTES: V86_AR, GUEST_SS_AR_BYTES: V86_AR, GUEST_DS_AR_BYTES: V86_AR,
      GUEST_ES_AR_BYTES: V86_AR, GUEST_FS_AR_BYTES: V86_AR, GUEST_GS_AR_BYTES: V86_AR,
    }),
  },
  // External interrupt, vector 20H, with RFLAGS.IF = 0.
  'GUEST.RFLAGS.IF.EXTINT': { fields: { VM_ENTRY_INTR_INFO_FIELD: 0x8000_0020n }, edit: patch({ GUEST_RFLAGS: clearBits(9) }) },
} satisfies Record<keyof typeof GUEST_RIP_RFLAGS_CHECKS, EntryWitness>;
