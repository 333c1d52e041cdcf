/**
 * Exit qualification (natural-width field 6400H): its layout for every basic exit reason that has
 * one (SDM §27.2.1, Tables 27-1 to 27-7, June 2016 edition; §34.15.2.3 for I/O SMIs; §26.7 for the
 * VM-entry failures). Every other VM exit clears the qualification to 0 (facts C2) — among them EPT
 * misconfiguration (49), which reports only the guest-physical address.
 *
 * Keyed by basic exit reason. A reason maps to a list because reason 0 has two layouts, chosen by
 * the exception vector (#DB and #PF); other exceptions and NMIs leave the field 0.
 * Bits not named by a layout are reserved (cleared to 0) or undefined; 63:32 exist only on
 * processors that support Intel 64.
 */

import type { ExitReasonNumber } from '../exit-reasons.js';
import { GPR_NAMES, decodeLayout, type BitField, type DecodedLayout } from './layout.js';

export interface QualificationLayout {
  /** Which exits of the reason use this layout, in our words. */
  readonly appliesTo: string;
  /** For reason 0 only: the exception vector that selects this layout. */
  readonly vector?: number;
  readonly section: string;
  readonly table?: string;
  readonly fields: readonly BitField[];
}

export const EXIT_QUALIFICATION_FIELD = { encoding: 0x6400, width: 'natural', section: '24.9.1' } as const;

// Why one shared row: the SDM gives the same "displacement" rule to every instruction whose operand
// is described by the instruction-information field (facts C2, §27.2.1).
const displacement = (what: string): QualificationLayout => ({
  appliesTo: what,
  section: '27.2.1',
  fields: [{
    name: 'displacement',
    bits: [63, 0],
    meaning: 'memory operand: its displacement, sign-extended to the field width (RIP-relative: displacement plus the address of the next instruction); register operand: 0; bits beyond the address size undefined',
  }],
});

// The I/O-instruction layout; the I/O-SMI layout is the same bit for bit (§34.15.2.3).
const IO_FIELDS = [
  { name: 'size', bits: [2, 0], meaning: 'access size minus one', values: { 0: '1-byte', 1: '2-byte', 3: '4-byte' } },
  { name: 'direction', bits: [3, 3], meaning: 'direction of the access', values: { 0: 'OUT', 1: 'IN' } },
  { name: 'string', bits: [4, 4], meaning: 'string instruction (INS/OUTS)', values: { 0: 'not string', 1: 'string' } },
  { name: 'rep', bits: [5, 5], meaning: 'REP prefix present', values: { 0: 'not REP', 1: 'REP' } },
  { name: 'operandEncoding', bits: [6, 6], meaning: 'where the port number came from', values: { 0: 'DX', 1: 'immediate' } },
  { name: 'port', bits: [31, 16], meaning: 'port number' },
] as const satisfies readonly BitField[];

const NMI_UNBLOCKING = {
  name: 'nmiUnblockingDueToIret',
  bits: [12, 12],
  meaning: 'the access was made by an IRET that removed (virtual-)NMI blocking; undefined when NMI exiting = 1 with virtual NMIs = 0, or when IDT-vectoring information is valid',
} as const satisfies BitField;

export const EXIT_QUALIFICATIONS = {
  0: [
    {
      appliesTo: 'debug exception (#DB) that causes the exit directly',
      vector: 1, section: '27.2.1', table: 'Table 27-1',
      fields: [
        { name: 'breakpointConditions', bits: [3, 0], meaning: 'B0-B3 (bit n = breakpoint n matched); may be set for a breakpoint DR7 does not enable' },
        { name: 'BD', bits: [13, 13], meaning: 'debug-register access detected (DR7.GD)' },
        { name: 'BS', bits: [14, 14], meaning: 'single step (or branch trace)' },
      ],
    },
    {
      appliesTo: 'page fault (#PF) that causes the exit directly',
      vector: 14, section: '27.2.1',
      fields: [{ name: 'linearAddress', bits: [63, 0], meaning: 'the faulting linear address (CR2 is not written); 63:32 cleared outside 64-bit mode, 11:0 cleared in enclave mode' }],
    },
  ],
  4: [{
    appliesTo: 'start-up IPI', section: '27.2.1',
    fields: [{ name: 'vector', bits: [7, 0], meaning: 'SIPI vector' }],
  }],
  5: [{
    appliesTo: 'SMI right after an I/O instruction retired (SMM VM exit)', section: '34.15.2.3',
    fields: IO_FIELDS,
  }],
  9: [{
    appliesTo: 'task switch', section: '27.2.1', table: 'Table 27-2',
    fields: [
      { name: 'selector', bits: [15, 0], meaning: 'selector of the new task\'s TSS' },
      { name: 'source', bits: [31, 30], meaning: 'what started the task switch', values: { 0: 'CALL instruction', 1: 'IRET instruction', 2: 'JMP instruction', 3: 'task gate in IDT' } },
    ],
  }],
  14: [{
    appliesTo: 'INVLPG', section: '27.2.1',
    fields: [{ name: 'linearAddress', bits: [63, 0], meaning: 'the linear-address operand; 63:32 cleared outside 64-bit mode' }],
  }],
  19: [displacement('VMCLEAR')],
  21: [displacement('VMPTRLD')],
  22: [displacement('VMPTRST')],
  23: [displacement('VMREAD')],
  25: [displacement('VMWRITE')],
  27: [displacement('VMXON')],
  28: [{
    appliesTo: 'MOV to/from CR0, CR3, CR4, CR8, CLTS, LMSW', section: '27.2.1', table: 'Table 27-3',
    fields: [
      { name: 'crNumber', bits: [3, 0], meaning: 'control register number (0 for CLTS and LMSW)' },
      { name: 'accessType', bits: [5, 4], meaning: 'kind of access', values: { 0: 'MOV to CR', 1: 'MOV from CR', 2: 'CLTS', 3: 'LMSW' } },
      { name: 'lmswOperandType', bits: [6, 6], meaning: 'LMSW operand kind (0 for other accesses)', values: { 0: 'register', 1: 'memory' } },
      { name: 'gpr', bits: [11, 8], meaning: 'register operand of MOV CR; undefined for CLTS and LMSW', values: GPR_NAMES },
      { name: 'lmswSourceData', bits: [31, 16], meaning: 'LMSW source operand (0 for CLTS and MOV CR)' },
    ],
  }],
  29: [{
    appliesTo: 'MOV DR', section: '27.2.1', table: 'Table 27-4',
    fields: [
      { name: 'drNumber', bits: [2, 0], meaning: 'debug register number' },
      { name: 'direction', bits: [4, 4], meaning: 'direction of the move', values: { 0: 'MOV to DR', 1: 'MOV from DR' } },
      { name: 'gpr', bits: [11, 8], meaning: 'general-purpose register operand', values: GPR_NAMES },
    ],
  }],
  30: [{
    appliesTo: 'IN, INS, OUT, OUTS', section: '27.2.1', table: 'Table 27-5',
    fields: IO_FIELDS,
  }],
  33: [{
    appliesTo: 'VM-entry failure due to invalid guest state', section: '26.7',
    fields: [{
      name: 'cause', bits: [63, 0], meaning: 'which late guest-state problem failed the entry',
      values: { 0: 'default (any other check)', 2: 'loading a PDPTE failed', 3: 'NMI injection while blocked by STI', 4: 'invalid VMCS link pointer' },
    }],
  }],
  34: [{
    appliesTo: 'VM-entry failure due to MSR loading', section: '26.7',
    fields: [{ name: 'msrIndex', bits: [63, 0], meaning: 'position of the failing entry in the VM-entry MSR-load list, counting from 1' }],
  }],
  36: [{
    appliesTo: 'MWAIT', section: '27.2.1',
    fields: [{ name: 'monitorArmed', bits: [0, 0], meaning: 'address-range monitoring hardware was armed', values: { 0: 'not armed', 1: 'armed' } }],
  }],
  44: [{
    appliesTo: 'APIC access from a linear or guest-physical access (undefined for physical accesses)', section: '27.2.1', table: 'Table 27-6',
    fields: [
      { name: 'offset', bits: [11, 0], meaning: 'offset of the access in the APIC page (linear accesses; undefined for guest-physical ones, cleared in enclave mode)' },
      {
        name: 'accessType', bits: [15, 12], meaning: 'kind of access',
        values: {
          0: 'linear access, data read during instruction execution',
          1: 'linear access, data write during instruction execution',
          2: 'linear access, instruction fetch',
          3: 'linear access during event delivery',
          10: 'guest-physical access during event delivery',
          15: 'guest-physical access, instruction fetch or during instruction execution',
        },
      },
    ],
  }],
  45: [{
    appliesTo: 'EOI virtualization', section: '27.2.1',
    fields: [{ name: 'vector', bits: [7, 0], meaning: 'vector of the virtualized EOI' }],
  }],
  46: [displacement('LGDT, LIDT, SGDT, SIDT')],
  47: [displacement('LLDT, LTR, SLDT, STR')],
  48: [{
    appliesTo: 'EPT violation', section: '27.2.1', table: 'Table 27-7',
    fields: [
      { name: 'read', bits: [0, 0], meaning: 'the access was a data read' },
      { name: 'write', bits: [1, 1], meaning: 'the access was a data write' },
      { name: 'fetch', bits: [2, 2], meaning: 'the access was an instruction fetch' },
      { name: 'readable', bits: [3, 3], meaning: 'AND of the read permissions of the EPT entries walked' },
      { name: 'writeable', bits: [4, 4], meaning: 'AND of the write permissions of the EPT entries walked' },
      { name: 'executable', bits: [5, 5], meaning: 'AND of the execute permissions of the EPT entries walked' },
      { name: 'guestLinearValid', bits: [7, 7], meaning: 'the guest-linear-address field is valid' },
      { name: 'finalTranslation', bits: [8, 8], meaning: 'with bit 7 = 1: 1 = access to the translated address, 0 = access to a guest paging-structure entry', values: { 0: 'paging-structure entry', 1: 'translation of the linear address' } },
      NMI_UNBLOCKING,
    ],
  }],
  50: [displacement('INVEPT')],
  53: [displacement('INVVPID')],
  56: [{
    appliesTo: 'APIC write (trap-like)', section: '27.2.1',
    fields: [{ name: 'offset', bits: [11, 0], meaning: 'page offset of the register written (WRMSR to x2APIC MSR 83FH reports 3F0H)' }],
  }],
  58: [displacement('INVPCID')],
  62: [{
    appliesTo: 'page-modification log full', section: '27.2.1',
    fields: [NMI_UNBLOCKING],
  }],
  63: [displacement('XSAVES')],
  64: [displacement('XRSTORS')],
} as const satisfies Partial<Record<ExitReasonNumber, readonly QualificationLayout[]>>;

/** Basic exit reasons whose qualification is written (the others clear it to 0). */
export const REASONS_WITH_QUALIFICATION: readonly number[] = Object.keys(EXIT_QUALIFICATIONS).map(Number);

const TABLE: Readonly<Record<number, readonly QualificationLayout[] | undefined>> = EXIT_QUALIFICATIONS;

/** The layout for a reason (and, for reason 0, an exception vector); undefined when the field is 0. */
export const qualificationLayout = (reason: number, vector?: number): QualificationLayout | undefined => {
  const layouts = TABLE[reason];
  if (layouts === undefined) return undefined;
  return layouts.find((l) => l.vector === undefined || l.vector === vector);
};

export interface DecodedQualification extends DecodedLayout {
  readonly reason: number;
  readonly layout: QualificationLayout;
}

/**
 * Names the fields of `value` as the exit qualification of basic exit reason `reason`; for reason 0
 * pass the exception vector. Undefined when that exit has no qualification (the field is 0).
 */
export const decodeQualification = (reason: number, value: bigint, vector?: number): DecodedQualification | undefined => {
  const layout = qualificationLayout(reason, vector);
  if (layout === undefined) return undefined;
  return { reason, layout, ...decodeLayout(layout.fields, value) };
};
