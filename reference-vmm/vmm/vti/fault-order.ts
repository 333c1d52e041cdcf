/**
 * Faults the machine takes where the guest's own processor would have taken an Illegal Operation
 * fault first. Operand checks come before every other check of an instruction (SDM Vol. 3
 * pseudo-code), and some of them read the guest's PSR.ic, which with PSR.vm = 1 is virtual, so the
 * processor cannot make them: itc/itr and accesses to CR16-CR25 need PSR.ic = 0 (SDM 3:175, itc/itr
 * pages). The machine then reports what it checks next — Privileged Operation at cpl > 0, Register
 * NaT Consumption, an unimplemented address — or intercepts (and the VMM makes the check itself,
 * emulate/). And vmsw is illegal on the processor the guest is told it has (no VM features,
 * layout.ts). To deliver the right fault the VMM reads the faulting instruction, as XEN decodes
 * privileged operations from the bundle at IIP.
 */
import type { FaultName } from '../../../spec/vti/machine/faults.js';
import type { VtiInstruction } from '../../../spec/vti/machine/instructions.js';
import { bit, psrRi } from './bits.js';
import { isInterruptionCr } from './emulate/control-registers.js';
import { slotAddress } from './program.js';
import type { Entry, Vm } from './vm.js';

const GENERAL_EXCEPTION = 0x5400;
const NAT_CONSUMPTION = 0x5600;

const illegalFirst = (vm: Vm, i: VtiInstruction, guestIc: boolean): boolean => {
  switch (i.op) {
    case 'vmsw': return true;
    case 'itc': case 'itr': return guestIc;
    case 'mov-to-cr': case 'mov-from-cr': return guestIc && isInterruptionCr(vm, i.cr);
    default: return false;
  }
};

/** The fault the guest's own processor would have taken instead of the machine's, or null. */
export const guestFaultInstead = (vm: Vm, entry: Entry): FaultName | null => {
  if ((entry.vector !== GENERAL_EXCEPTION && entry.vector !== NAT_CONSUMPTION) || vm.fetch === undefined) return null;
  const i = vm.fetch(slotAddress(entry.iip, psrRi(entry.ipsr)));
  return i !== undefined && illegalFirst(vm, i, bit(entry.guestPsr, 13)) ? 'illegalOperation' : null;
};
