/**
 * Which VMCS fields a processor supports (§24.11.2, App. A.9): a field exists when the profile
 * supports the 1-setting of a control that gives it meaning (or always), and its index is within
 * IA32_VMX_VMCS_ENUM[9:1].
 */
import { CONTROLS, type ControlName } from '../../spec/vtx/controls.js';
import { fieldIndex } from '../../spec/vtx/vmcs/encoding.js';
import { VMCS_FIELDS } from '../../spec/vtx/vmcs/fields.js';
import type { Capabilities } from './capabilities.js';
import { bit } from './u64.js';

export const controlSupported = (caps: Capabilities, name: ControlName): boolean => {
  const c = CONTROLS[name];
  switch (c.vector) {
    case 'pin': return bit(caps.pin1, c.bit);
    case 'proc': return bit(caps.proc1, c.bit);
    case 'proc2': return bit(caps.proc2_1, c.bit);
    case 'proc3': return c.bit < 32 ? bit(caps.proc3_1Lo, c.bit) : bit(caps.proc3_1Hi, c.bit - 32);
    case 'exit': return bit(caps.exit1, c.bit);
    case 'exit2': return c.bit < 32 ? bit(caps.exit2_1Lo, c.bit) : bit(caps.exit2_1Hi, c.bit - 32);
    case 'entry': return bit(caps.entry1, c.bit);
  }
};

/** Field `index` (position in VMCS_FIELDS) exists on this processor. */
export const fieldExists = (caps: Capabilities, index: number): boolean => {
  const f = VMCS_FIELDS[index];
  if (f === undefined || fieldIndex(f.encoding) > caps.vmcsEnumMaxIndex) return false;
  return f.existsWith.length === 0 || f.existsWith.some((c) => controlSupported(caps, c));
};
