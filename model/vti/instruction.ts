/**
 * One instruction, in the SDM's order of checks (Vol. 3 pseudo-code; SDM rev 2.3 §11.7):
 *   1. operand checks (./operands.ts),
 *   2. PSR.cpl > 0 on a privileged instruction: Privileged Operation / Register fault,
 *   3. PSR.vm = 1 on a virtualized instruction: a vac acceleration completes it on the VPD copy, a
 *      vdc disable lets it act on the real resource, otherwise a virtualization intercept,
 *   4. the instruction's own semantics (./native).
 * vmsw keeps its own order (./vmsw.ts).
 */
import type { VtiInstruction } from '../../spec/vti/machine/instructions.js';
import { currentVp } from '../../spec/vti/machine/state.js';
import { interceptRuleId, vacRuleId, vdcRuleId } from '../../spec/vti/machine/rules.js';
import { VAC_BITS, VDC_BITS } from '../../spec/vti/vpd.js';
import { accelerate } from './accelerations/index.js';
import { bit, psrGet } from './bits.js';
import { classify } from './intercepts/classify.js';
import { intercept } from './intercepts/handoff.js';
import { raise } from './interruption.js';
import { after, because, type Decision, type Trace } from './outcome.js';
import type { Ctx } from './native/common.js';
import { executeNative } from './native/index.js';
import { operandFault } from './operands.js';
import { vmsw } from './vmsw.js';

const vacBit = (name: string): number | null => VAC_BITS.find((b) => b.name === name)?.bit ?? null;
const vdcBit = (name: string): number | null => VDC_BITS.find((b) => b.name === name)?.bit ?? null;

/** The operand faults of an instruction's own pseudo-code (NaT source, unimplemented address, reserved register or field). */
const OPERAND_FAULTS = new Set([0x5400, 0x5600]);

/**
 * An intercept, with the instruction's own operand faults permitted instead. The SDM pages read show
 * the PSR.vm check right after the cpl check, but where the NaT, unimplemented-address and
 * reserved-field checks fall against it is not known for most instructions (VTI.ORDER.OPERAND_CHECKS_FIRST
 * is read on four pages only), so a processor that makes them first conforms too.
 */
const withOperandFaults = (ctx: Ctx, i: VtiInstruction, d: Decision): Decision => {
  const own = executeNative(ctx, i);
  if (own.observation.kind !== 'interruption' || !OPERAND_FAULTS.has(own.observation.vector)) return d;
  return {
    ...d,
    trace: [...d.trace, because('VTI.ORDER.OPERAND_CHECKS_FIRST', `the instruction's own ${own.trace[own.trace.length - 2]?.verdict ?? 'operand fault'}: also permitted before the intercept`)],
    alternatives: [...d.alternatives, { observation: own.observation, state: own.state }],
  };
};

/**
 * Implements VTI.ORDER.PRIVILEGED_FIRST, VTI.ORDER.PRIVILEGED_REGISTER, VTI.GUEST.NO_VP, and the
 * decision between acceleration (VTI.VAC.*), disable (VTI.VDC.*) and intercept (VTI.INTERCEPT.*).
 */
export const executeInstruction = (ctx: Ctx, i: VtiInstruction, opts: { readonly skipVirtualIc?: boolean } = {}): Decision => {
  const s = ctx.state;
  const operand = operandFault(ctx, i, opts);
  if (operand !== null) {
    // Whether the ic check of an accelerated interruption-CR access uses vpsr.ic is not known
    // (INTERRUPTION_CR_IC_RULE): what the instruction does without it is permitted too.
    if (operand.trace.some((t) => t.rule === 'VTI.MOV_CR.INTERRUPTION_CR_IC') && psrGet(s.psr, 'vm') === 1n && opts.skipVirtualIc !== true) {
      const without = executeInstruction(ctx, i, { skipVirtualIc: true });
      return { ...operand, alternatives: [{ observation: without.observation, state: without.state }, ...without.alternatives], anyValue: without.anyValue };
    }
    return operand;
  }
  if (i.op === 'vmsw') return vmsw(ctx, i);

  const c = classify(ctx, i);
  const cpl = psrGet(s.psr, 'cpl');
  if (c.privilege !== null && cpl !== 0n) {
    const rule = c.privilege === 'privilegedOperation' ? 'VTI.ORDER.PRIVILEGED_FIRST' : 'VTI.ORDER.PRIVILEGED_REGISTER';
    return raise(s, c.privilege, [because(rule, `${i.op} at cpl ${cpl}: ${c.privilege === 'privilegedOperation' ? 'Privileged Operation' : 'Privileged Register'} fault, before any intercept`)]);
  }

  const vm = psrGet(s.psr, 'vm') === 1n;
  if (!vm || c.row === null) {
    const why: Trace[] = c.row === null ? [] : [because(interceptRuleId(c.row.cause), `PSR.vm = 0: ${c.row.mnemonic} executes without an intercept`)];
    return after(why, executeNative(ctx, i));
  }

  const cur = currentVp(s);
  const noVp = cur === null;
  const vpd = cur?.vp.vpd;
  const vacOn = (name: string | null): boolean => {
    const b = name === null ? null : vacBit(name);
    return vpd !== undefined && b !== null && bit(vpd.vac, b);
  };
  const vdcOn = (name: string | null): boolean => {
    const b = name === null ? null : vdcBit(name);
    return vpd !== undefined && b !== null && bit(vpd.vdc, b);
  };

  let d: Decision | null = null;
  if (c.acceleratedBy !== null && vacOn(c.acceleratedBy) && cur !== null) {
    d = accelerate(ctx, { base: cur.address, vpd: cur.vp.vpd }, i, c.acceleratedBy);
  }
  if (d === null && c.disabledBy !== null && vdcOn(c.disabledBy)) {
    d = after([because(vdcRuleId(c.disabledBy), `vdc.${c.disabledBy} = 1: ${c.row.mnemonic} acts on the real resource, no intercept`)], executeNative(ctx, i));
  }
  if (d === null) {
    const why: Trace[] = [
      ...(c.acceleratedBy === null ? [] : [because(vacRuleId(c.acceleratedBy), `vac.${c.acceleratedBy} = 0: not accelerated`)]),
      ...(c.disabledBy === null ? [] : [because(vdcRuleId(c.disabledBy), `vdc.${c.disabledBy} = 0: still virtualized`)]),
    ];
    d = withOperandFaults(ctx, i, intercept(s, i, c.row, why));
  }
  return noVp
    ? { ...after([because('VTI.GUEST.NO_VP', 'PSR.vm = 1 with no VP restored: undefined (modelled as vac = vdc = 0)')], d), undefinedBehaviour: true }
    : d;
};
