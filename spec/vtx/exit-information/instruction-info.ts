/**
 * VM-exit instruction information (32-bit field 440EH; §24.9.4, written per §27.2.4, Tables 27-8 to
 * 27-14 of the June 2016 edition). One layout per table, keyed by the basic exit reasons that use
 * it. Bits a layout does not name are undefined (or, where noted, cleared to 0).
 *
 * Most layouts describe a memory operand the same way (scale, address size, segment, index, base);
 * those rows are written once below and reused, because the SDM repeats them table after table.
 */

import type { ExitReasonNumber } from '../exit-reasons.js';
import { GPR_NAMES, decodeLayout, type BitField, type DecodedLayout } from './layout.js';

export const INSTRUCTION_INFO_FIELD = { field: 'VMX_INSTRUCTION_INFO', encoding: 0x440e, width: 32, section: '24.9.4' } as const;

const ADDRESS_SIZES = { 0: '16-bit', 1: '32-bit', 2: '64-bit' } as const;
const SEGMENTS = { 0: 'ES', 1: 'CS', 2: 'SS', 3: 'DS', 4: 'FS', 5: 'GS' } as const;

const scaling = { name: 'scaling', bits: [1, 0], meaning: 'index scale (undefined for a register operand or no index)', values: { 0: 'no scaling', 1: 'scale by 2', 2: 'scale by 4', 3: 'scale by 8' } } as const satisfies BitField;
const addressSize = { name: 'addressSize', bits: [9, 7], meaning: 'address size of the instruction', values: ADDRESS_SIZES } as const satisfies BitField;
const segment = { name: 'segment', bits: [17, 15], meaning: 'segment register of the memory operand', values: SEGMENTS } as const satisfies BitField;
const memReg = { name: 'memReg', bits: [10, 10], meaning: 'operand kind; for a register operand the memory-operand fields (scaling, address size, segment, index, base) are undefined', values: { 0: 'memory', 1: 'register' } } as const satisfies BitField;
const memOnly = { name: 'memReg', bits: [10, 10], meaning: 'cleared to 0: the instruction has only a memory form', values: { 0: 'memory' } } as const satisfies BitField;

/** Index and base of a memory operand, bits 27:18. */
const INDEX_BASE = [
  { name: 'indexReg', bits: [21, 18], meaning: 'index register (undefined when bit 22 is set)', values: GPR_NAMES },
  { name: 'indexRegInvalid', bits: [22, 22], meaning: 'no index register', values: { 0: 'valid', 1: 'invalid' } },
  { name: 'baseReg', bits: [26, 23], meaning: 'base register (undefined when bit 27 is set)', values: GPR_NAMES },
  { name: 'baseRegInvalid', bits: [27, 27], meaning: 'no base register', values: { 0: 'valid', 1: 'invalid' } },
] as const satisfies readonly BitField[];

export interface InstructionInfoLayout {
  readonly instructions: readonly string[];
  readonly reasons: readonly ExitReasonNumber[];
  readonly section: string;
  readonly table: string;
  readonly fields: readonly BitField[];
}

export const INSTRUCTION_INFO_LAYOUTS = {
  insOuts: {
    instructions: ['INS', 'OUTS'], reasons: [30], section: '27.2.4', table: 'Table 27-8',
    fields: [
      addressSize,
      { ...segment, meaning: 'segment register of the source operand (OUTS only; undefined for INS, which always uses ES)' },
    ],
  },
  invalidation: {
    instructions: ['INVEPT', 'INVPCID', 'INVVPID'], reasons: [50, 53, 58], section: '27.2.4', table: 'Table 27-9',
    fields: [
      scaling, addressSize, memOnly, segment, ...INDEX_BASE,
      { name: 'reg2', bits: [31, 28], meaning: 'register holding the invalidation type', values: GPR_NAMES },
    ],
  },
  descriptorTable: {
    instructions: ['LIDT', 'LGDT', 'SIDT', 'SGDT'], reasons: [46], section: '27.2.4', table: 'Table 27-10',
    fields: [
      scaling, addressSize, memOnly,
      { name: 'operandSize', bits: [11, 11], meaning: 'operand size (undefined in 64-bit mode)', values: { 0: '16-bit', 1: '32-bit' } },
      segment, ...INDEX_BASE,
      { name: 'instructionIdentity', bits: [29, 28], meaning: 'which instruction', values: { 0: 'SGDT', 1: 'SIDT', 2: 'LGDT', 3: 'LIDT' } },
    ],
  },
  ldtrTr: {
    instructions: ['LLDT', 'LTR', 'SLDT', 'STR'], reasons: [47], section: '27.2.4', table: 'Table 27-11',
    fields: [
      scaling,
      { name: 'reg1', bits: [6, 3], meaning: 'register operand (undefined for a memory operand)', values: GPR_NAMES },
      addressSize, memReg, segment, ...INDEX_BASE,
      { name: 'instructionIdentity', bits: [29, 28], meaning: 'which instruction', values: { 0: 'SLDT', 1: 'STR', 2: 'LLDT', 3: 'LTR' } },
    ],
  },
  randomNumber: {
    instructions: ['RDRAND', 'RDSEED'], reasons: [57, 61], section: '27.2.4', table: 'Table 27-12',
    fields: [
      { name: 'destinationReg', bits: [6, 3], meaning: 'destination register', values: GPR_NAMES },
      { name: 'operandSize', bits: [12, 11], meaning: 'operand size', values: { 0: '16-bit', 1: '32-bit', 2: '64-bit' } },
    ],
  },
  vmcsPointer: {
    instructions: ['VMCLEAR', 'VMPTRLD', 'VMPTRST', 'VMXON', 'XRSTORS', 'XSAVES'], reasons: [19, 21, 22, 27, 63, 64], section: '27.2.4', table: 'Table 27-13',
    fields: [scaling, addressSize, memOnly, segment, ...INDEX_BASE],
  },
  vmreadVmwrite: {
    instructions: ['VMREAD', 'VMWRITE'], reasons: [23, 25], section: '27.2.4', table: 'Table 27-14',
    fields: [
      scaling,
      { name: 'reg1', bits: [6, 3], meaning: 'register operand: VMREAD destination / VMWRITE source (undefined for a memory operand)', values: GPR_NAMES },
      addressSize, memReg, segment, ...INDEX_BASE,
      { name: 'reg2', bits: [31, 28], meaning: 'register holding the VMCS-field encoding', values: GPR_NAMES },
    ],
  },
} as const satisfies Record<string, InstructionInfoLayout>;

export type InstructionInfoKind = keyof typeof INSTRUCTION_INFO_LAYOUTS;

/** Basic exit reason → the layout its instruction information uses. */
export const INSTRUCTION_INFO_BY_REASON: ReadonlyMap<number, InstructionInfoKind> = new Map(
  (Object.keys(INSTRUCTION_INFO_LAYOUTS) as InstructionInfoKind[]).flatMap((kind) =>
    INSTRUCTION_INFO_LAYOUTS[kind].reasons.map((reason) => [reason, kind] as const)),
);

export interface DecodedInstructionInfo extends DecodedLayout {
  readonly kind: InstructionInfoKind;
}

/**
 * Names the fields of an instruction-information value for basic exit reason `reason`; undefined
 * when that exit does not write the field. Reason 30 covers IN/OUT too, which leave the field
 * undefined: the caller knows whether the instruction was INS/OUTS (qualification bit 4).
 */
export const decodeInstructionInfo = (reason: number, value: number): DecodedInstructionInfo | undefined => {
  const kind = INSTRUCTION_INFO_BY_REASON.get(reason);
  if (kind === undefined) return undefined;
  return { kind, ...decodeLayout(INSTRUCTION_INFO_LAYOUTS[kind].fields, BigInt(value >>> 0)) };
};
