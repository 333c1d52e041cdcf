/**
 * Every witness, keyed by catalog rule ID. Typed against the whole catalog, so a rule without a
 * witness does not compile.
 */
import type { EntryCheckId } from '../../../spec/vtx/vm-entry/index.js';
import { ADDRESS_SPACE_SIZE_WITNESSES } from './address-space-size.js';
import { BASIC_WITNESSES } from './basic.js';
import { ENTRY_CONTROLS_WITNESSES } from './entry-controls.js';
import { EXECUTION_CONTROLS_WITNESSES } from './execution-controls.js';
import { EXIT_CONTROLS_WITNESSES } from './exit-controls.js';
import { GUEST_CONTROL_REGISTERS_WITNESSES } from './guest-control-registers.js';
import { GUEST_DESCRIPTOR_TABLES_WITNESSES } from './guest-descriptor-tables.js';
import { GUEST_NON_REGISTER_WITNESSES } from './guest-non-register.js';
import { GUEST_PDPTES_WITNESSES } from './guest-pdptes.js';
import { GUEST_RIP_RFLAGS_WITNESSES } from './guest-rip-rflags.js';
import { GUEST_SEGMENTS_WITNESSES } from './guest-segments.js';
import { HOST_STATE_WITNESSES } from './host-state.js';
import { MSR_LOADING_WITNESSES } from './msr-loading.js';
import type { EntryWitness } from './witness.js';

export const ENTRY_WITNESSES: Readonly<Record<EntryCheckId, EntryWitness>> = {
  ...BASIC_WITNESSES,
  ...EXECUTION_CONTROLS_WITNESSES,
  ...EXIT_CONTROLS_WITNESSES,
  ...ENTRY_CONTROLS_WITNESSES,
  ...HOST_STATE_WITNESSES,
  ...ADDRESS_SPACE_SIZE_WITNESSES,
  ...GUEST_CONTROL_REGISTERS_WITNESSES,
  ...GUEST_SEGMENTS_WITNESSES,
  ...GUEST_DESCRIPTOR_TABLES_WITNESSES,
  ...GUEST_RIP_RFLAGS_WITNESSES,
  ...GUEST_NON_REGISTER_WITNESSES,
  ...GUEST_PDPTES_WITNESSES,
  ...MSR_LOADING_WITNESSES,
};
