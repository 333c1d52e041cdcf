/**
 * Encoding events into the interruption-information layouts (§24.8.3, §24.9.2, §24.9.3: vector 7:0,
 * type 10:8, error-code bit 11, valid bit 31) and building the exit information of the VM exits this
 * folder causes. Undefined fields are null (ExitInformation: the VMCS field is left unchanged).
 */
import { NO_EXIT_INFORMATION, type EventType, type ExitInformation } from '../../../../spec/vtx/non-root/observation.js';

export const TYPE_NUMBER: Readonly<Record<EventType, number>> = {
  'external-interrupt': 0, nmi: 2, 'hardware-exception': 3, 'software-interrupt': 4,
  'privileged-software-exception': 5, 'software-exception': 6,
};

/** Types whose delivery pushes the RIP of the next instruction (INT n, INT1, INT3, INTO). */
export const isSoftware = (t: EventType): boolean => t === 'software-interrupt' || t === 'software-exception' || t === 'privileged-software-exception';

/** Types the exception bitmap filters (§25.2): every exception, but not INT n, interrupts or NMIs. */
export const isException = (t: EventType): boolean =>
  t === 'hardware-exception' || t === 'software-exception' || t === 'privileged-software-exception';

/** An event as the interruption-information fields describe it. */
export interface EventRecord {
  readonly vector: number;
  readonly type: EventType;
  readonly errorCode: number | null;
}

/** The valid interruption-information value of an event; bit 12 as given. */
export const encodeEvent = (e: EventRecord, bit12 = false): number =>
  ((e.vector & 0xff) | (TYPE_NUMBER[e.type] << 8) | (e.errorCode === null ? 0 : 1 << 11) | (bit12 ? 1 << 12 : 0) | (1 << 31)) >>> 0;

/** Exit information of `reason` with every other field at its "not used" value unless given. */
export const exitInformation = (reason: number, fields: Partial<Omit<ExitInformation, 'reason'>> = {}): ExitInformation =>
  ({ ...NO_EXIT_INFORMATION, reason, ...fields });

/** The IDT-vectoring fields recording `e` as the event whose delivery the exit interrupted (§27.2.3). */
export const idtVectoring = (e: EventRecord): Pick<ExitInformation, 'idtVectoringInfo' | 'idtVectoringErrorCode'> =>
  ({ idtVectoringInfo: encodeEvent(e), idtVectoringErrorCode: e.errorCode === null ? null : e.errorCode >>> 0 });

export const hex = (v: bigint | number): string => `0x${v.toString(16)}`;
