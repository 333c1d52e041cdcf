/** VMREAD (SDM §30.3 "VMREAD—Read Field from Virtual-Machine Control Structure"), rules VMREAD.*. */
import { emptyVmcsImage, type VtxState } from '../../../spec/vtx/state.js';
import type { Capabilities } from '../capabilities.js';
import { vmSucceed } from '../flags.js';
import { in64BitMode, type RuledStep } from './prologue.js';
import { vmcsAccessChecks } from './vmcs-access.js';

export const vmread = (caps: Capabilities, s: VtxState, encoding: bigint): RuledStep => {
  const checked = vmcsAccessChecks(caps, s, 'VMREAD', encoding);
  if ('stop' in checked) return checked.stop;
  const { target, field } = checked;
  const image = s.vmcs.get(target)?.fields ?? emptyVmcsImage();
  const lo = BigInt(image[field.index * 2]!);
  const hi = BigInt(image[field.index * 2 + 1]!);
  const whole = field.high ? hi : (hi << 32n) | lo;
  // The destination is 64 bits in 64-bit mode, 32 bits elsewhere: longer fields are truncated.
  const value = in64BitMode(s) ? whole : whole & 0xffff_ffffn;
  return { ...vmSucceed(s, value), rule: 'VMREAD.OK' };
};
