/**
 * Delivery of a virtualization intercept (SDM rev 2.3 §11.7.3, Figure 11-15; VTI-SPEC §5.2.3.1):
 * like a fault, but to the VP's opt_handler (or host IVA + 0x6100), with the cause in bank-0 GR24
 * and the opcode in GR25 when PAL_VP_INIT_ENV's config_options asked for them.
 */
import type { VtiInstruction } from '../../../spec/vti/machine/instructions.js';
import { encodeOpcode } from '../../../spec/vti/machine/opcode.js';
import { currentVp, type VtiState } from '../../../spec/vti/machine/state.js';
import { INTERCEPT_HANDOFF, type VirtualizedInstructionSpec } from '../../../spec/vti/intercepts.js';
import { VIRTUALIZATION_OFFSET } from '../../../spec/vti/ivt.js';
import { interceptRuleId } from '../../../spec/vti/machine/rules.js';
import { bit, hex, mapGet } from '../bits.js';
import { deliver } from '../interruption.js';
import { because, decided, type Decision, type Trace } from '../outcome.js';
import { writeGr } from '../registers.js';

const CAUSE_REG = 24;
const OPCODE_REG = 25;

/** Where an intercept goes from `s`: the current VP's opt_handler when non-zero, else IVA + 0x6100. */
export const interceptTarget = (s: VtiState): bigint => {
  const cur = currentVp(s);
  return cur !== null && cur.vp.optHandler !== 0n ? cur.vp.optHandler : mapGet(s.cr, 2) + BigInt(VIRTUALIZATION_OFFSET);
};

const registers = (cause: number | null, opcode: bigint | null): string =>
  `GR24 ${cause === null ? 'not written (config_options.cause = 0)' : `= ${cause}`}, ` +
  `GR25 ${opcode === null ? 'not written (config_options.opcode = 0)' : `= ${hex(opcode)}`}`;

/**
 * The intercept of `i` by `row`. Implements VTI.INTERCEPT.HANDOFF and names the row's
 * VTI.INTERCEPT.<cause> rule.
 */
export const intercept = (s: VtiState, i: VtiInstruction, row: VirtualizedInstructionSpec, trace: readonly Trace[]): Decision => {
  const options = s.pal.status === 'initialised' ? s.pal.configOptions : 0n;
  const cause = bit(options, INTERCEPT_HANDOFF.causeEnabledBy.bit) ? row.cause : null;
  const opcode = bit(options, INTERCEPT_HANDOFF.opcodeEnabledBy.bit) ? encodeOpcode(i) : null;
  const target = interceptTarget(s);
  const delivered = deliver(s, { vector: VIRTUALIZATION_OFFSET, isrCode: 0, target });
  const withCause = cause === null ? delivered : writeGr(delivered, CAUSE_REG, { value: BigInt(cause), nat: false });
  const withOpcode = opcode === null ? withCause : writeGr(withCause, OPCODE_REG, { value: opcode, nat: false });
  const rule = interceptRuleId(row.cause);
  return decided({ kind: 'intercept', target, cause, opcode, rule }, withOpcode, [
    ...trace,
    because(rule, `${row.mnemonic}: virtualization intercept, cause ${row.cause}`),
    because('VTI.INTERCEPT.HANDOFF', `to ${hex(target)} with PSR.vm = 0, bank 0; ${registers(cause, opcode)}`),
  ]);
};
