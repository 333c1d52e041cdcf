/** Witnesses for SDM §26.2.1.2 (spec/vtx/vm-entry/exit-controls.ts): one failing rule each. */
import type { EXIT_CONTROLS_CHECKS } from '../../../spec/vtx/vm-entry/exit-controls.js';
import { clearBits, patch, setBits } from './edit.js';
import type { EntryWitness } from './witness.js';

/** Ends 16 bytes below 2^46 (vtx-max's physical-address width): one entry fits, two do not. */
const LAST_ENTRY_BELOW_PAW46 = (1n << 46n) - 16n;

export const EXIT_CONTROLS_WITNESSES = {
  // Needs a profile without TRUE_ controls, so that default1 bit 0 must be 1.
  'CTL.EXIT.RSVD0': { profile: 'vtx-2006', edit: patch({ VM_EXIT_CONTROLS: clearBits(0) }) },
  // vtx-max allows every one of the 32 VM-exit control bits; Skylake-X (Bochs) lacks bit 23 and up.
  'CTL.EXIT.RSVD1': { profile: 'bochs-skylake-x', edit: patch({ VM_EXIT_CONTROLS: setBits(23) }) },
  'CTL.EXIT2.RSVD': { edit: patch({ VM_EXIT_CONTROLS: setBits(31), SECONDARY_VM_EXIT_CONTROLS: setBits(3) }) },
  'CTL.EXIT.SAVETIMER': {
    edit: patch({ VM_EXIT_CONTROLS: setBits(22), PIN_BASED_VM_EXEC_CONTROL: clearBits(6) }),
  },
  'CTL.EXIT.MSRSTORE.ALIGN': { fields: { VM_EXIT_MSR_STORE_COUNT: 1n, VM_EXIT_MSR_STORE_ADDR: 0x6008n } },
  'CTL.EXIT.MSRSTORE.END': { fields: { VM_EXIT_MSR_STORE_COUNT: 2n, VM_EXIT_MSR_STORE_ADDR: LAST_ENTRY_BELOW_PAW46 } },
  'CTL.EXIT.MSRLOAD.ALIGN': { fields: { VM_EXIT_MSR_LOAD_COUNT: 3n, VM_EXIT_MSR_LOAD_ADDR: 0x6004n } },
  'CTL.EXIT.MSRLOAD.END': { fields: { VM_EXIT_MSR_LOAD_COUNT: 2n, VM_EXIT_MSR_LOAD_ADDR: LAST_ENTRY_BELOW_PAW46 } },
} satisfies Record<keyof typeof EXIT_CONTROLS_CHECKS, EntryWitness>;
