/** The VT-i guest programs, by name (`vtspec vmm run --arch vti --guest <name>`). */
import type { GuestProgram } from '../../vmm/vti/program.js';
import { interruptMaskingGuest } from './interrupt-masking.js';
import { interruptionHandlerGuest } from './interruption-handler.js';
import { ptaThashGuest } from './pta-thash.js';

export { assemble, link, type AsmItem, type AsmInstruction, type Assembled } from './assemble.js';
export { GUEST, kernelState } from './kernel.js';

export const VTI_GUESTS = {
  'interruption-handler': interruptionHandlerGuest,
  'pta-thash': ptaThashGuest,
  'interrupt-masking': interruptMaskingGuest,
} as const satisfies Record<string, GuestProgram>;

export type VtiGuestName = keyof typeof VTI_GUESTS;

export const VTI_GUEST_NAMES = Object.keys(VTI_GUESTS) as VtiGuestName[];

export const isVtiGuestName = (name: string): name is VtiGuestName => name in VTI_GUESTS;
