/** VMWRITE (SDM §30.3 "VMWRITE—Write Field to Virtual-Machine Control Structure"), rules VMWRITE.*. */
import { emptyVmcsImage, type VtxState } from '../../../spec/vtx/state.js';
import { fieldBits, fieldType } from '../../../spec/vtx/vmcs/encoding.js';
import { VMCS_FIELDS } from '../../../spec/vtx/vmcs/fields.js';
import type { Capabilities } from '../capabilities.js';
import { vmFail, vmSucceed } from '../flags.js';
import { in64BitMode, type RuledStep } from './prologue.js';
import { vmcsAccessChecks } from './vmcs-access.js';

export const vmwrite = (caps: Capabilities, s: VtxState, encoding: bigint, value: bigint): RuledStep => {
  const checked = vmcsAccessChecks(caps, s, 'VMWRITE', encoding);
  if ('stop' in checked) return checked.stop;
  const { target, field } = checked;
  const spec = VMCS_FIELDS[field.index]!;
  if (fieldType(spec.encoding) === 'exit-information' && !caps.vmwriteAnyField) return { ...vmFail(s, 13), rule: 'VMWRITE.READONLY' };
  const region = s.vmcs.get(target) ?? { launchState: 'clear' as const, fields: emptyVmcsImage() };
  const source = in64BitMode(s) ? value : value & 0xffff_ffffn;
  const image = region.fields.slice();
  if (field.high) {
    image[field.index * 2 + 1] = Number(source & 0xffff_ffffn);
  } else {
    const bits = fieldBits(spec.encoding);
    const v = bits === 64 ? source : source & ((1n << BigInt(bits)) - 1n);
    image[field.index * 2] = Number(v & 0xffff_ffffn);
    image[field.index * 2 + 1] = Number(v >> 32n);
  }
  const vmcs = new Map(s.vmcs);
  vmcs.set(target, { ...region, fields: image });
  return { ...vmSucceed({ ...s, vmcs }), rule: 'VMWRITE.OK' };
};
