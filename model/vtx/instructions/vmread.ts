/** VMREAD (SDM §30.3 "VMREAD—Read Field from Virtual-Machine Control Structure"), rules VMREAD.*. */
import { emptyVmcsImage, type VtxState } from '../../../spec/vtx/state.js';
import type { Capabilities } from '../capabilities.js';
import { fault, vmFail, vmFailInvalid, vmSucceed } from '../flags.js';
import { in64BitMode, protectedNonV86, type RuledStep } from './prologue.js';
import { accessTarget, shadowedAccessExits, supportedField } from './vmcs-access.js';

export const vmread = (caps: Capabilities, s: VtxState, encoding: bigint): RuledStep => {
  if (s.vmx === 'outside' || !protectedNonV86(s)) return { ...fault(s, '#UD'), rule: 'VMREAD.UD' };
  if (s.vmx === 'non-root' && shadowedAccessExits(s, encoding, 'VMREAD_BITMAP')) {
    return { observation: { kind: 'vm-exit', reason: 23, qualification: 0n }, state: s, rule: 'VMREAD.NONROOT' };
  }
  if (s.cpu.cpl > 0) return { ...fault(s, '#GP(0)'), rule: 'VMREAD.CPL' };
  const target = accessTarget(s);
  if (target === null) return { ...vmFailInvalid(s), rule: 'VMREAD.NOCURRENT' };
  const field = supportedField(caps, s, encoding);
  if (field === null) return { ...vmFail(s, 12), rule: 'VMREAD.UNSUPPORTED' };
  const image = s.vmcs.get(target)?.fields ?? emptyVmcsImage();
  const lo = BigInt(image[field.index * 2]!);
  const hi = BigInt(image[field.index * 2 + 1]!);
  const whole = field.high ? hi : (hi << 32n) | lo;
  // The destination is 64 bits in 64-bit mode, 32 bits elsewhere: longer fields are truncated.
  const value = in64BitMode(s) ? whole : whole & 0xffff_ffffn;
  return { ...vmSucceed(s, value), rule: 'VMREAD.OK' };
};
