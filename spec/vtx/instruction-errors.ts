/**
 * VM-instruction error numbers (SDM Vol. 3C §30.4, Table 30-1, June 2016 edition): the value a
 * VMfailValid(n) stores in the VM-instruction error field (encoding 4400H). Numbers 14, 21 and 27
 * are unused. `meaning` is our own wording.
 */

export type VmxInstruction =
  | 'VMCALL' | 'VMCLEAR' | 'VMLAUNCH' | 'VMRESUME' | 'VMPTRLD' | 'VMREAD' | 'VMWRITE'
  | 'VMXON' | 'VMXOFF' | 'INVEPT' | 'INVVPID';

export interface InstructionErrorSpec {
  readonly number: number;
  readonly meaning: string;
  /** Instructions that report it; [] for the unused numbers. */
  readonly raisedBy: readonly VmxInstruction[];
  readonly unused: boolean;
  readonly section: '30.4';
}

const e = (number: number, meaning: string, raisedBy: readonly VmxInstruction[]) =>
  ({ number, meaning, raisedBy, unused: false, section: '30.4' }) as const;
const unused = (number: number) =>
  ({ number, meaning: '(unused)', raisedBy: [], unused: true, section: '30.4' }) as const;

const ENTRY = ['VMLAUNCH', 'VMRESUME'] as const;

export const INSTRUCTION_ERRORS = [
  e(1, 'VMCALL in VMX root operation (dual-monitor treatment cannot be activated)', ['VMCALL']),
  e(2, 'VMCLEAR operand is not a valid physical address (alignment or width)', ['VMCLEAR']),
  e(3, 'VMCLEAR operand is the VMXON pointer', ['VMCLEAR']),
  e(4, 'VMLAUNCH with a current VMCS whose launch state is not clear', ['VMLAUNCH']),
  e(5, 'VMRESUME with a current VMCS whose launch state is not launched', ['VMRESUME']),
  e(6, 'VMRESUME after VMXOFF (VMXOFF then VMXON between VMLAUNCH and VMRESUME); in no pseudocode', ['VMRESUME']),
  e(7, 'VM entry: a VMX control field is invalid', ENTRY),
  e(8, 'VM entry: a host-state field is invalid', ENTRY),
  e(9, 'VMPTRLD operand is not a valid physical address', ['VMPTRLD']),
  e(10, 'VMPTRLD operand is the VMXON pointer', ['VMPTRLD']),
  e(11, 'VMPTRLD: the region does not start with the supported VMCS revision identifier', ['VMPTRLD']),
  e(12, 'VMREAD/VMWRITE names a VMCS component that is not supported', ['VMREAD', 'VMWRITE']),
  e(13, 'VMWRITE to a read-only (VM-exit information) component', ['VMWRITE']),
  unused(14),
  e(15, 'VMXON while already in VMX root operation', ['VMXON']),
  e(16, 'VM entry returning from SMM: the executive-VMCS pointer is invalid', ENTRY),
  e(17, 'VM entry returning from SMM: the executive VMCS is not launched', ENTRY),
  e(18, 'VM entry deactivating dual-monitor treatment: the executive-VMCS pointer is not the VMXON pointer', ENTRY),
  e(19, 'VMCALL activating dual-monitor treatment: the current VMCS is not clear', ['VMCALL']),
  e(20, 'VMCALL activating dual-monitor treatment: the VM-exit control fields are invalid', ['VMCALL']),
  unused(21),
  e(22, 'VMCALL activating dual-monitor treatment: the MSEG revision identifier is not supported', ['VMCALL']),
  e(23, 'VMXOFF while dual-monitor treatment of SMIs and SMM is active', ['VMXOFF']),
  e(24, 'VMCALL activating dual-monitor treatment: the SMM-monitor features are invalid', ['VMCALL']),
  e(25, 'VM entry returning from SMM: a VM-execution control field of the executive VMCS is invalid (reported instead of 7)', ENTRY),
  e(26, 'VM entry while events are blocked by MOV SS / POP SS', ENTRY),
  unused(27),
  e(28, 'INVEPT/INVVPID with an invalid operand (type not supported, or a bad descriptor)', ['INVEPT', 'INVVPID']),
] as const satisfies readonly InstructionErrorSpec[];

export type InstructionErrorNumber = (typeof INSTRUCTION_ERRORS)[number]['number'];

export const INSTRUCTION_ERROR_BY_NUMBER: ReadonlyMap<number, InstructionErrorSpec> = new Map(
  INSTRUCTION_ERRORS.map((x) => [x.number, x]),
);
