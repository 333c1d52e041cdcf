/** The VMX instructions a VT-x step executes, with their operands (SDM Vol. 3C ch. 30, "VMX Instruction Reference"). */
export type VtxInstruction =
  | { op: 'VMXON'; operand: bigint } | { op: 'VMXOFF' } | { op: 'VMCLEAR'; operand: bigint }
  | { op: 'VMPTRLD'; operand: bigint } | { op: 'VMPTRST' } | { op: 'VMREAD'; encoding: bigint }
  | { op: 'VMWRITE'; encoding: bigint; value: bigint } | { op: 'VMLAUNCH' } | { op: 'VMRESUME' };
