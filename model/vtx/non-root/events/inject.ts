/**
 * STUB (owner: events engineer). Event injection at the end of a successful VM entry (§26.5): the
 * VM-entry interruption-information field's event is delivered through the guest IDT as if it had
 * happened right after entry (and may itself cause a VM exit: exception bitmap, EPT, triple fault,
 * with IDT-vectoring information). Also the pending-MTF and activity-state effects of §26.6.
 * Returns null when the entry injects nothing.
 */
import type { VtxState } from '../../../../spec/vtx/state.js';
import type { Capabilities } from '../../capabilities.js';
import type { NonRootResult } from '../result.js';

export const injectEvent = (_caps: Capabilities, _guest: VtxState): NonRootResult | null => null;
