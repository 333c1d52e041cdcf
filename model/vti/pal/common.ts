/**
 * What the PAL calls share: the result registers (procedures return status in GR8 and values in
 * GR9-GR11 under the PAL calling conventions; services their value in GR31) and the rule of each
 * error return.
 */
import type { VtiState } from '../../../spec/vti/machine/state.js';
import { palRuleId, procedureErrors, serviceErrors } from '../../../spec/vti/machine/rules.js';
import { u64 } from '../bits.js';
import { because, decided, type Decision, type Trace } from '../outcome.js';
import { writeGr } from '../registers.js';

/** A procedure returned `status` and `values`. */
export const procedureReturn = (s: VtiState, status: number, values: readonly bigint[], trace: readonly Trace[]): Decision => {
  const withStatus = writeGr(s, 8, { value: u64(BigInt(status)), nat: false });
  const out = values.reduce((acc, v, i) => writeGr(acc, 9 + i, { value: v, nat: false }), withStatus);
  return decided({ kind: 'pal-return', status, values }, out, trace);
};

/** The error return `key` of procedure `name` (its rule and status from spec/vti/machine/rules.ts). */
export const procedureError = (s: VtiState, name: string, key: string, detail: string): Decision => {
  const e = procedureErrors(name).find((x) => x.key === key);
  const status = e?.status ?? -3;
  return procedureReturn(s, status, [], [because(palRuleId(name, key), `${name} returns ${status}: ${detail}`)]);
};

/** A service's undefined case `key`: the model does nothing and anything conforms. */
export const serviceUndefined = (s: VtiState, name: string, key: string, detail: string): Decision => {
  const known = serviceErrors(name).some((x) => x.key === key);
  return {
    ...decided({ kind: 'pal-return', status: 0, values: [] }, s, [because(palRuleId(name, known ? key : 'PSR'), `${name} is undefined here: ${detail}`)]),
    undefinedBehaviour: true,
  };
};
