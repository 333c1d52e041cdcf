/**
 * The run loop shared by the native run and the run under the VMM: events arrive when the guest has
 * retired the number of instructions they name (time skips to the next event while the guest is
 * halted), the platform delivers what the guest can take at each boundary — once every event of the
 * boundary has arrived, and before the next instruction is looked up, so an event the last instruction
 * unmasked is still taken where the code ends (the VT-i loop's `pending` hook) — and the next instruction
 * is the program's at the guest's RIP. It writes the log of guest-visible happenings (guest-view.ts).
 * A software interrupt or exception (INT n, INT3, INTO) that is delivered counts as retired: the
 * instruction completed by delivering its event.
 */
import type { GuestInstruction } from '../../../spec/vtx/guest/instructions.js';
import type { VtxGuestProgram } from '../../guests/vtx/program.js';
import type { GuestLogEntry, RunEnd, VtxGuestView } from './guest-view.js';
import type { GuestPlatform, Happening } from './platform.js';

/** The registers each privileged read writes, in the order logged. */
const readRegisters = (i: GuestInstruction): readonly number[] | null => {
  switch (i.op) {
    case 'MOV_FROM_CR': case 'SMSW': case 'SLDT': case 'STR': case 'MOV_FROM_DR': case 'RDRAND': case 'RDSEED': return [i.dst];
    case 'RDMSR': case 'RDTSC': case 'RDPMC': return [0, 2];
    case 'RDTSCP': return [0, 2, 1];
    case 'CPUID': return [0, 3, 1, 2];
    case 'IN': return [0];
    default: return null;
  }
};

const SOFTWARE = new Set(['software-interrupt', 'software-exception', 'privileged-software-exception']);

export const drive = (program: VtxGuestProgram, platform: GuestPlatform): VtxGuestView => {
  const log: GuestLogEntry[] = [];
  let retired = 0;
  let next = 0;
  const events = [...program.events].sort((a, b) => a.after - b.after);
  const record = (hs: readonly Happening[], i?: GuestInstruction, rip?: bigint): void => {
    for (const h of hs) {
      if (h.kind === 'delivered') {
        log.push({ kind: 'delivered', at: retired, vector: h.vector, type: h.type, errorCode: h.errorCode });
        if (SOFTWARE.has(h.type)) retired++;
        continue;
      }
      retired++;
      const regs = i === undefined ? null : readRegisters(i);
      if (i !== undefined && regs !== null) log.push({ kind: 'read', at: retired, op: i.op, rip: rip ?? 0n, values: regs.map((r) => platform.gpr(r)) });
    }
  };
  const arrive = (): void => {
    const e = events[next++]!;
    record(e.event.kind === 'external-interrupt' ? platform.interrupt(e.event.vector) : e.event.kind === 'nmi' ? platform.nmi() : []);
  };
  const budget = 4 * program.maxInstructions + 2 * events.length + 64;
  let end: RunEnd = 'step-limit';
  for (let steps = 0; steps < budget; steps++) {
    while (next < events.length && events[next]!.after <= retired) arrive();
    record(platform.boundary());
    if (retired >= program.maxInstructions) { end = 'instruction-limit'; break; }
    const activity = platform.activity();
    if (activity === 'shutdown') { end = 'shutdown'; break; }
    if (activity !== 'active') {
      if (next < events.length) { arrive(); continue; }
      end = 'halted';
      break;
    }
    const rip = platform.rip();
    const i = program.code.get(rip);
    if (i === undefined) { end = 'done'; break; }
    record(platform.instruction(i), i, rip);
  }
  return { end, retired, log, ...platform.view() };
};
