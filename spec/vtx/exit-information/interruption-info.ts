/**
 * The three 32-bit interruption-information fields that share one shape (vector 7:0, type 10:8,
 * error-code bit 11, valid bit 31) but differ in bit 12 and in which types they use:
 * - VM-entry interruption information (4016H; §24.8.3, Table 24-13), read by the event-injection
 *   checks of §26.2.1.3 and by injection (§26.5); bits 30:12 are reserved and must be 0;
 * - VM-exit interruption information (4404H; §24.9.2, Table 24-15, written per §27.2.2);
 * - IDT-vectoring information (4408H; §24.9.3, Table 24-16, written per §27.2.3).
 */

import { decodeLayout, type BitField, type DecodedLayout } from './layout.js';

/** Interruption types as the entry field names them; the exit fields use subsets (see `types`). */
export const INTERRUPTION_TYPES = {
  0: 'External interrupt',
  1: 'Reserved',
  2: 'Non-maskable interrupt (NMI)',
  3: 'Hardware exception',
  4: 'Software interrupt',
  5: 'Privileged software exception',
  6: 'Software exception',
  7: 'Other event',
} as const satisfies Record<number, string>;

type TypeNumber = keyof typeof INTERRUPTION_TYPES;

const pick = (types: readonly TypeNumber[]): Readonly<Record<number, string>> =>
  Object.fromEntries(types.map((t) => [t, INTERRUPTION_TYPES[t]]));

export interface InterruptionInfoLayout {
  readonly field: string;
  readonly encoding: number;
  readonly section: string;
  readonly table: string;
  /** Types the field can hold; for the entry field, types a VM entry accepts (1 never, 7 only with MTF). */
  readonly types: readonly TypeNumber[];
  readonly fields: readonly BitField[];
}

const vector = { name: 'vector', bits: [7, 0], meaning: 'vector of the interrupt or exception (2 for an NMI)' } as const satisfies BitField;
const valid = { name: 'valid', bits: [31, 31], meaning: 'the field holds an event; when 0 the other bits are undefined (exit fields) or ignored (entry field)' } as const satisfies BitField;
const typeField = (types: readonly TypeNumber[]) =>
  ({ name: 'type', bits: [10, 8], meaning: 'interruption type', values: pick(types) }) as const satisfies BitField;

const ENTRY_TYPES = [0, 2, 3, 4, 5, 6, 7] as const satisfies readonly TypeNumber[];
const EXIT_TYPES = [0, 2, 3, 6] as const satisfies readonly TypeNumber[];
const IDT_VECTORING_TYPES = [0, 2, 3, 4, 5, 6] as const satisfies readonly TypeNumber[];

export const INTERRUPTION_INFO_LAYOUTS = {
  entry: {
    field: 'VM_ENTRY_INTR_INFO_FIELD', encoding: 0x4016, section: '24.8.3', table: 'Table 24-13',
    types: ENTRY_TYPES,
    fields: [
      vector,
      // Type 1 is named so a decode of a bad value says so; the entry checks reject it.
      { ...typeField(ENTRY_TYPES), values: INTERRUPTION_TYPES },
      { name: 'deliverErrorCode', bits: [11, 11], meaning: 'push the VM-entry exception error code when delivering the event' },
      valid,
    ],
  },
  exit: {
    field: 'VM_EXIT_INTR_INFO', encoding: 0x4404, section: '27.2.2', table: 'Table 24-15',
    types: EXIT_TYPES,
    fields: [
      vector,
      typeField(EXIT_TYPES),
      { name: 'errorCodeValid', bits: [11, 11], meaning: 'the VM-exit interruption error code holds the error code the exception would have pushed (never in real mode)' },
      { name: 'nmiUnblockingDueToIret', bits: [12, 12], meaning: 'the exit came from a fault in an IRET that removed (virtual-)NMI blocking; undefined with NMI exiting = 1 and virtual NMIs = 0, with valid IDT-vectoring information, or for #DF' },
      valid,
    ],
  },
  idtVectoring: {
    field: 'IDT_VECTORING_INFO_FIELD', encoding: 0x4408, section: '27.2.3', table: 'Table 24-16',
    types: IDT_VECTORING_TYPES,
    fields: [
      vector,
      typeField(IDT_VECTORING_TYPES),
      { name: 'errorCodeValid', bits: [11, 11], meaning: 'the IDT-vectoring error code holds the error code the event was delivering' },
      // Bit 12 is undefined here, so it is deliberately not named: copying it into the entry field
      // as 1 would fail the next VM entry.
      valid,
    ],
  },
} as const satisfies Record<'entry' | 'exit' | 'idtVectoring', InterruptionInfoLayout>;

export type InterruptionInfoKind = keyof typeof INTERRUPTION_INFO_LAYOUTS;

/** Bits the SDM requires to be 0: 30:12 in the entry field, 30:13 in both exit fields. */
export const INTERRUPTION_INFO_ZERO_BITS = {
  entry: [30, 12],
  exit: [30, 13],
  idtVectoring: [30, 13],
} as const satisfies Record<InterruptionInfoKind, readonly [number, number]>;

export const decodeInterruptionInfo = (kind: InterruptionInfoKind, value: number): DecodedLayout =>
  decodeLayout(INTERRUPTION_INFO_LAYOUTS[kind].fields, BigInt(value >>> 0));

/** The error-code fields that go with each layout. */
export const ERROR_CODE_FIELDS = {
  entry: { field: 'VM_ENTRY_EXCEPTION_ERROR_CODE', encoding: 0x4018, section: '24.8.3' },
  exit: { field: 'VM_EXIT_INTR_ERROR_CODE', encoding: 0x4406, section: '27.2.2' },
  idtVectoring: { field: 'IDT_VECTORING_ERROR_CODE', encoding: 0x440a, section: '27.2.3' },
} as const satisfies Record<InterruptionInfoKind, { field: string; encoding: number; section: string }>;
