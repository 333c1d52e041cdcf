/**
 * Witnesses for the VMX instruction rules (spec/vtx/vmx-instructions): for each rule, a state and an
 * instruction whose outcome is decided by exactly that rule — including the `.OK` rules, which
 * witness success. Starting point: the 'ia32e' baseline on vtx-max (VMX root, VMXON region 0x1000,
 * current clear VMCS 0x2000, both regions holding the revision identifier).
 */
import type { VtxInstruction } from '../../../spec/vtx/instructions.js';
import type { BuiltinProfileName } from '../../../spec/vtx/profiles/index.js';
import type { VtxState } from '../../../spec/vtx/state.js';
import type { InstructionRuleId } from '../../../spec/vtx/vmx-instructions/index.js';
import { VMCS_REGION, VMXON_REGION } from '../baseline.js';
import { seq, withCpu, type Edit } from './edit.js';

export interface InstructionWitness {
  readonly profile?: BuiltinProfileName;
  readonly edit?: Edit;
  readonly instruction: VtxInstruction;
}

const outside: Edit = (s) => ({ ...s, vmx: 'outside', vmxonPointer: null, currentVmcs: null });
const nonRoot: Edit = (s) => ({ ...s, vmx: 'non-root' });
const noCurrent: Edit = (s) => ({ ...s, currentVmcs: null });
const cpl3 = withCpu({ cpl: 3 });
/** Compatibility mode (IA32_EFER.LMA = 1, CS.L = 0): the shared #UD condition that applies in root operation. */
const compat = withCpu({ csL: false });
const msr = (index: number, value: bigint): Edit => (s: VtxState) => ({ ...s, cpu: { ...s.cpu, msrs: new Map([...s.cpu.msrs, [index, value]]) } });

const UNALIGNED = VMCS_REGION + 8n;
/** A page whose first dword is 0: not the revision identifier. */
const BLANK_PAGE = 0x3000n;
const GUEST_RIP = 0x681en;
const EXIT_REASON = 0x4402n;

const op = <O extends VtxInstruction['op']>(o: O) => ({ op: o }) as Extract<VtxInstruction, { op: O }>;

export const INSTRUCTION_WITNESSES = {
  'VMXON.UD': { edit: seq(outside, withCpu({ cr4: 0x20n })), instruction: { op: 'VMXON', operand: VMXON_REGION } },
  'VMXON.NONROOT': { edit: nonRoot, instruction: { op: 'VMXON', operand: VMXON_REGION } },
  'VMXON.CPL': { edit: seq(outside, cpl3), instruction: { op: 'VMXON', operand: VMXON_REGION } },
  'VMXON.A20M': { edit: seq(outside, withCpu({ a20m: true })), instruction: { op: 'VMXON', operand: VMXON_REGION } },
  // CR0.NE (bit 5) is fixed to 1 in VMX operation (IA32_VMX_CR0_FIXED0 = 80000021H).
  'VMXON.CR.FIXED': { edit: seq(outside, withCpu({ cr0: 0x8000_0011n })), instruction: { op: 'VMXON', operand: VMXON_REGION } },
  'VMXON.FC.LOCK': { edit: seq(outside, msr(0x3a, 0x4n)), instruction: { op: 'VMXON', operand: VMXON_REGION } },
  'VMXON.FC.ENABLE': { edit: seq(outside, msr(0x3a, 0x1n)), instruction: { op: 'VMXON', operand: VMXON_REGION } },
  'VMXON.ADDR': { edit: outside, instruction: { op: 'VMXON', operand: VMXON_REGION + 8n } },
  'VMXON.REVID': { edit: outside, instruction: { op: 'VMXON', operand: BLANK_PAGE } },
  'VMXON.OK': { edit: outside, instruction: { op: 'VMXON', operand: VMXON_REGION } },
  'VMXON.ROOT.CPL': { edit: cpl3, instruction: { op: 'VMXON', operand: VMXON_REGION } },
  'VMXON.ROOT': { instruction: { op: 'VMXON', operand: VMXON_REGION } },

  'VMXOFF.UD': { edit: compat, instruction: op('VMXOFF') },
  'VMXOFF.NONROOT': { edit: nonRoot, instruction: op('VMXOFF') },
  'VMXOFF.CPL': { edit: cpl3, instruction: op('VMXOFF') },
  'VMXOFF.DUALMONITOR': { edit: (s) => ({ ...s, dualMonitorActive: true }), instruction: op('VMXOFF') },
  'VMXOFF.OK': { instruction: op('VMXOFF') },

  'VMCLEAR.UD': { edit: outside, instruction: { op: 'VMCLEAR', operand: VMCS_REGION } },
  'VMCLEAR.NONROOT': { edit: nonRoot, instruction: { op: 'VMCLEAR', operand: VMCS_REGION } },
  'VMCLEAR.CPL': { edit: cpl3, instruction: { op: 'VMCLEAR', operand: VMCS_REGION } },
  'VMCLEAR.ADDR': { instruction: { op: 'VMCLEAR', operand: UNALIGNED } },
  'VMCLEAR.VMXON': { instruction: { op: 'VMCLEAR', operand: VMXON_REGION } },
  'VMCLEAR.OK': { instruction: { op: 'VMCLEAR', operand: VMCS_REGION } },

  'VMPTRLD.UD': { edit: compat, instruction: { op: 'VMPTRLD', operand: VMCS_REGION } },
  'VMPTRLD.NONROOT': { edit: nonRoot, instruction: { op: 'VMPTRLD', operand: VMCS_REGION } },
  'VMPTRLD.CPL': { edit: cpl3, instruction: { op: 'VMPTRLD', operand: VMCS_REGION } },
  'VMPTRLD.ADDR': { instruction: { op: 'VMPTRLD', operand: UNALIGNED } },
  'VMPTRLD.VMXON': { instruction: { op: 'VMPTRLD', operand: VMXON_REGION } },
  'VMPTRLD.REVID': { instruction: { op: 'VMPTRLD', operand: BLANK_PAGE } },
  'VMPTRLD.OK': { instruction: { op: 'VMPTRLD', operand: VMCS_REGION } },

  'VMPTRST.UD': { edit: outside, instruction: op('VMPTRST') },
  'VMPTRST.NONROOT': { edit: nonRoot, instruction: op('VMPTRST') },
  'VMPTRST.CPL': { edit: cpl3, instruction: op('VMPTRST') },
  'VMPTRST.OK': { instruction: op('VMPTRST') },

  'VMREAD.UD': { edit: outside, instruction: { op: 'VMREAD', encoding: GUEST_RIP } },
  // The baseline VMCS does not enable VMCS shadowing, so a non-root VMREAD always exits.
  'VMREAD.NONROOT': { edit: nonRoot, instruction: { op: 'VMREAD', encoding: GUEST_RIP } },
  'VMREAD.CPL': { edit: cpl3, instruction: { op: 'VMREAD', encoding: GUEST_RIP } },
  'VMREAD.NOCURRENT': { edit: noCurrent, instruction: { op: 'VMREAD', encoding: GUEST_RIP } },
  'VMREAD.UNSUPPORTED': { instruction: { op: 'VMREAD', encoding: 0x7ffen } },
  'VMREAD.OK': { instruction: { op: 'VMREAD', encoding: GUEST_RIP } },

  'VMWRITE.UD': { edit: outside, instruction: { op: 'VMWRITE', encoding: GUEST_RIP, value: 0x2000n } },
  'VMWRITE.NONROOT': { edit: nonRoot, instruction: { op: 'VMWRITE', encoding: GUEST_RIP, value: 0x2000n } },
  'VMWRITE.CPL': { edit: cpl3, instruction: { op: 'VMWRITE', encoding: GUEST_RIP, value: 0x2000n } },
  'VMWRITE.NOCURRENT': { edit: noCurrent, instruction: { op: 'VMWRITE', encoding: GUEST_RIP, value: 0x2000n } },
  'VMWRITE.UNSUPPORTED': { instruction: { op: 'VMWRITE', encoding: 0x7ffen, value: 0n } },
  // IA32_VMX_MISC[29] = 0 on the first VMX processors: the exit-reason field is read-only there.
  'VMWRITE.READONLY': { profile: 'vtx-2006', instruction: { op: 'VMWRITE', encoding: EXIT_REASON, value: 1n } },
  'VMWRITE.OK': { instruction: { op: 'VMWRITE', encoding: GUEST_RIP, value: 0x2000n } },
} satisfies Record<InstructionRuleId, InstructionWitness>;
