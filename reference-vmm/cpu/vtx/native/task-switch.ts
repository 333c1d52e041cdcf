/**
 * Task switches on the native CPU. The reference CPU's non-root code turns every task switch into a
 * VM exit (§25.4.2: they exit unconditionally), and task switching itself (Vol. 3A §7.3) is not part
 * of the abstract machine. The native CPU therefore treats a TSS or task-gate target as a target it
 * cannot use — a documented departure from a real IA-32 processor, which would switch tasks (in
 * IA-32e mode, where every guest of this project runs, the reference CPU already raises #GP because
 * IA-32e mode has no task switching, Vol. 3A §7.7, so there is no departure there):
 * - far JMP/CALL to a TSS or task gate (exit qualification source 0, 2; IRET with NT is source 1):
 *   #GP(selector), as for any other unusable far-transfer target;
 * - a task gate in the IDT (source 3): the gate is treated as an invalid gate, #GP(vector·8 + 2 + EXT)
 *   (Vol. 3A §6.13, error code with IDT = 1), raised as an exception during the delivery of the event
 *   the IDT-vectoring information names, with the nested-exception rules of Table 6-5 (#DF after a
 *   contributory exception or a #PF; a fault while delivering #DF is a triple fault → shutdown).
 */
import type { DeliveredEvent } from '../non-root/guest.js';

/** The event the exit's IDT-vectoring information names (§24.9.3), or null when it is not valid. */
export const vectoredEvent = (info: bigint, errorCode: bigint): DeliveredEvent | null => {
  if (((info >> 31n) & 1n) === 0n) return null;
  const vector = Number(info & 0xffn);
  const types = ['external-interrupt', null, 'nmi', 'hardware-exception', 'software-interrupt', 'privileged-software-exception', 'software-exception', null] as const;
  const type = types[Number((info >> 8n) & 7n)] ?? null;
  if (type === null) return null;
  return { vector, type, errorCode: ((info >> 11n) & 1n) === 1n ? Number(errorCode & 0xffff_ffffn) : null };
};

const CONTRIBUTORY = new Set([0, 10, 11, 12, 13]);

/**
 * What replaces a task switch through an IDT task gate while `original` is delivered: the #GP for the
 * gate, #DF(0) when Table 6-5 makes it one, or 'shutdown' (a fault while delivering #DF).
 */
export const taskGateFault = (original: DeliveredEvent): DeliveredEvent | 'shutdown' => {
  const hw = original.type === 'hardware-exception';
  if (hw && original.vector === 8) return 'shutdown';
  const ext = original.type === 'software-interrupt' || original.type === 'software-exception' ? 0 : 1;
  const gp: DeliveredEvent = { vector: 13, type: 'hardware-exception', errorCode: original.vector * 8 + 2 + ext };
  if (hw && (original.vector === 14 || CONTRIBUTORY.has(original.vector))) return { vector: 8, type: 'hardware-exception', errorCode: 0 };
  return gp;
};
