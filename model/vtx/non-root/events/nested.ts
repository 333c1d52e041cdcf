/**
 * Delivering an event through the guest IDT to the end, in VMX non-root operation: each exception
 * raised during delivery is first offered to the exception bitmap (EXIT.EXCEPTION.BITMAP,
 * EXIT.EXCEPTION.PF), and exits with the interrupted event as IDT-vectoring information
 * (EVENT.VECTORING); otherwise Vol. 3A Table 6-5 decides between a double fault
 * (EVENT.DELIVERY.DOUBLEFAULT) and serial handling (EVENT.DELIVERY.SERIAL). A #DF that exits by the
 * bitmap does so directly (no IDT-vectoring information); an exception during #DF delivery that does
 * not exit is a triple fault, which always exits (EVENT.DELIVERY.TRIPLEFAULT, EXIT.TRIPLEFAULT).
 */
import type { Decision, ExitInformation } from '../../../../spec/vtx/non-root/observation.js';
import type { VtxState } from '../../../../spec/vtx/state.js';
import type { Capabilities } from '../../capabilities.js';
import { vmExit } from '../../vm-exit/index.js';
import { ia32eMode } from '../paging/access.js';
import { decision, type NonRootResult } from '../result.js';
import { ownMemory, type Delivering, type FrameStyle, type NestedFault } from './attempt.js';
import { exceptionExits } from './bitmap.js';
import { deliverOnce, realMode } from './deliver.js';
import { withPushedRf } from './frame.js';
import { encodeEvent, exitInformation, hex, idtVectoring, isSoftware, type EventRecord } from './info.js';

type ExceptionClass = 'benign' | 'contributory' | 'page-fault' | 'double-fault';

const CONTRIBUTORY = new Set([0, 10, 11, 12, 13]);

const classOf = (e: EventRecord): ExceptionClass => {
  if (e.type !== 'hardware-exception') return 'benign';
  if (e.vector === 14) return 'page-fault';
  if (e.vector === 8) return 'double-fault';
  return CONTRIBUTORY.has(e.vector) ? 'contributory' : 'benign';
};

const makesDoubleFault = (first: ExceptionClass, second: ExceptionClass): boolean =>
  (first === 'contributory' && second === 'contributory') || (first === 'page-fault' && (second === 'contributory' || second === 'page-fault'));

const describe = (e: EventRecord): string => `vector ${e.vector} (${e.type}${e.errorCode === null ? '' : `, error code ${hex(e.errorCode)}`})`;

/** The exception-exit information of §27.2.1/§27.2.2 for `x`, which exits directly by the bitmap. */
export const exceptionExitInformation = (
  s: VtxState, x: EventRecord & { readonly pageFaultAddress?: bigint; readonly dr6Bits?: bigint; readonly instructionLength?: number },
  extra: Partial<ExitInformation> = {}, bit12 = false,
): ExitInformation => {
  const longMode = ia32eMode(s) && s.cpu.csL;
  const qualification = x.vector === 14 && x.type === 'hardware-exception'
    ? (longMode ? BigInt.asUintN(64, x.pageFaultAddress ?? 0n) : (x.pageFaultAddress ?? 0n) & 0xffff_ffffn)
    : x.vector === 1 && x.type === 'hardware-exception' ? (x.dr6Bits ?? 0n) & 0x600fn : 0n;
  return exitInformation(0, {
    qualification,
    interruptionInfo: encodeEvent(x, bit12),
    interruptionErrorCode: x.errorCode === null ? null : x.errorCode >>> 0,
    instructionLength: isSoftware(x.type) ? x.instructionLength ?? null : null,
    ...extra,
  });
};

/** IDT-vectoring information, and the instruction length of a software event whose delivery the exit interrupted (§27.2.3, §27.2.4). */
const interrupted = (e: Delivering): Partial<ExitInformation> => ({
  ...idtVectoring(e),
  ...(isSoftware(e.type) ? { instructionLength: e.instructionLength ?? null } : {}),
});

const asEvent = (x: NestedFault): Delivering => ({
  vector: x.vector, type: 'hardware-exception', errorCode: x.errorCode,
  ...(x.pageFaultAddress === undefined ? {} : { pageFaultAddress: x.pageFaultAddress }),
});

/**
 * Delivers `ev` from `state` (state.cpu.rip: the RIP a fault pushes; software events add their
 * instruction length). The result is the delivered observation of the event that reached its handler,
 * or the VM exit that interrupted delivery.
 */
export const deliverEvent = (caps: Capabilities, state: VtxState, ev: Delivering, decisions: readonly Decision[]): NonRootResult => {
  const atomic = deliverWith(caps, state, ev, decisions, 'atomic');
  if (!atomic.midFrame) return atomic.result;
  // A stack push failed part way: a processor may also have written the items before it (§27.1).
  const partial = deliverWith(caps, state, ev, [...decisions,
    decision('EVENT.DELIVERY.FRAME', '27.1', 'alternative: the stack items pushed before the failing one stay written')], 'partial');
  return { ...atomic.result, alternatives: [...(atomic.result.alternatives ?? []), partial.result, ...(partial.result.alternatives ?? [])] };
};

const U32 = 0xffff_ffffn;

/** `r` and its alternatives, each also with `edit` applied where that changes it. */
const orEdited = (r: NonRootResult, edit: (cpu: VtxState['cpu']) => VtxState['cpu']): NonRootResult => {
  const all = [r, ...(r.alternatives ?? [])].map(({ alternatives: _, ...x }) => x);
  const edited = all.flatMap((x) => {
    const cpu = edit(x.state.cpu);
    return cpu === x.state.cpu ? [] : [{ ...x, state: { ...x.state, cpu } }];
  });
  return edited.length === 0 ? r : { ...all[0]!, alternatives: [...all.slice(1), ...edited] };
};

/**
 * Outside 64-bit mode bits 63:32 of RSP are undefined (Vol. 1 §3.4.1.1): a handler entered on a
 * 32-bit stack (SS.B = 1) may find them zero, as the canonical result has them, or as they were
 * before the delivery. The second is an alternative wherever it differs.
 */
const withLooseStackTop = (before: VtxState, r: NonRootResult): NonRootResult => {
  const cpu = r.state.cpu;
  if ((ia32eMode(r.state) && cpu.csL) || ((cpu.segments.ss.accessRights >>> 14) & 1) !== 1) return r;
  return orEdited(r, (c) => {
    const kept = (before.cpu.rsp & ~U32) | (c.rsp & U32);
    return kept === c.rsp ? c : { ...c, rsp: kept };
  });
};

/**
 * Vol. 3B §17.2.3: a debug exception may clear DR6.B0–B3 or leave them as they were; the canonical
 * result clears them (only the conditions of this #DB are set), and keeping the earlier ones is
 * permitted too.
 */
const withLooseDr6 = (before: VtxState, ev: Delivering, r: NonRootResult): NonRootResult => {
  if (ev.vector !== 1 || ev.type !== 'hardware-exception' || ev.injected === true) return r;
  const earlier = before.cpu.dr6 & 0xfn;
  return earlier === 0n ? r : orEdited(r, (cpu) => ((cpu.dr6 | earlier) === cpu.dr6 ? cpu : { ...cpu, dr6: cpu.dr6 | earlier }));
};

const deliverWith = (caps: Capabilities, state: VtxState, ev: Delivering, decisions: readonly Decision[], style: FrameStyle): { result: NonRootResult; midFrame: boolean } => {
  let midFrame = false;
  // Whatever the delivery of a #DB ends in, its DR6 update may have kept B0–B3 (withLooseDr6).
  const done = (result: NonRootResult) => ({ result: withLooseDr6(state, ev, result), midFrame });
  let current = ev;
  // One private copy of memory for the whole delivery (./attempt.ts writes into it in place).
  let s = ownMemory(state);
  let ds = decisions;
  // EXT of the first nested exception: 0 only under INT n, INT3, INTO (EVENT.DELIVERY.ERRORCODE, INJECT.EXT).
  let ext = current.type === 'software-interrupt' || current.type === 'software-exception' ? 0 : 1;
  // Table 6-5 ends every chain within four deliveries (benign → contributory → #PF → #DF); the bound keeps the model total.
  for (let round = 0; round < 6; round++) {
    const a = deliverOnce(caps, s, current, ext, ds, style);
    if (a.kind !== 'delivered' && a.midFrame === true) midFrame = true;
    if (a.kind === 'delivered') {
      const delivered: NonRootResult = { observation: { kind: 'delivered', vector: current.vector, type: current.type, errorCode: current.errorCode }, state: a.state, decisions: a.decisions };
      return done(withLooseStackTop(state, delivered));
    }
    if (a.kind === 'exit') {
      const info: ExitInformation = { ...a.info, ...interrupted(current) };
      // RF as the interrupted event would have pushed it (§27.3.3).
      const at = withPushedRf(a.state, current);
      const ds2 = [...a.decisions, decision('EVENT.VECTORING', '27.2.3', `the exit interrupted delivery of ${describe(current)}: IDT-vectoring information ${hex(info.idtVectoringInfo)}`)];
      const exit = vmExit(caps, at, info, ds2);
      // An EPT violation that sets the IDT-vectoring valid bit leaves qualification bit 12 (NMI
      // unblocking due to IRET) undefined (§27.2.1, §27.2.3): the other value is permitted too.
      if ((info.reason & 0xffff) !== 48) return done(exit);
      return done({ ...exit, alternatives: [...(exit.alternatives ?? []), vmExit(caps, at, { ...info, qualification: info.qualification ^ (1n << 12n) }, ds2)] });
    }
    const x: NestedFault = realMode(a.state) ? { ...a.fault, errorCode: null } : a.fault;
    const xe: EventRecord = { vector: x.vector, type: 'hardware-exception', errorCode: x.errorCode };
    const verdict = exceptionExits(a.state, x.vector, x.errorCode);
    const nestedDecisions = [...a.decisions, verdict.decision];
    if (verdict.exits) {
      const info = exceptionExitInformation(a.state, { ...xe, ...(x.pageFaultAddress === undefined ? {} : { pageFaultAddress: x.pageFaultAddress }) }, interrupted(current));
      return done(vmExit(caps, withPushedRf(a.state, asEvent(x)), info, [...nestedDecisions, decision('EVENT.VECTORING', '27.2.3', `${describe(xe)} arose while delivering ${describe(current)}: IDT-vectoring information ${hex(info.idtVectoringInfo)}`)]));
    }
    const first = classOf(current);
    if (first === 'double-fault') {
      return done(vmExit(caps, a.state, exitInformation(2), [...nestedDecisions,
        decision('EVENT.DELIVERY.TRIPLEFAULT', '6.15', `${describe(xe)} while delivering #DF`),
        decision('EXIT.TRIPLEFAULT', '25.2', 'a triple fault always exits (no IDT-vectoring information)')]));
    }
    if (makesDoubleFault(first, classOf(xe))) {
      const df: Delivering = { vector: 8, type: 'hardware-exception', errorCode: realMode(a.state) ? null : 0 };
      const dv = exceptionExits(a.state, 8, df.errorCode);
      const dfDecisions = [...nestedDecisions,
        decision('EVENT.DELIVERY.DOUBLEFAULT', '6.15', `${first} ${describe(current)} then ${classOf(xe)} ${describe(xe)}: #DF(0)`), dv.decision];
      if (dv.exits) return done(vmExit(caps, a.state, exceptionExitInformation(a.state, df), dfDecisions));
      current = df;
      ds = dfDecisions;
    } else {
      ds = [...nestedDecisions, decision('EVENT.DELIVERY.SERIAL', '6.15', `${first} ${describe(current)} then ${describe(xe)}: handled serially, ${describe(xe)} is delivered`)];
      current = asEvent(x);
    }
    s = a.state;
    ext = 1;
  }
  return done(vmExit(caps, s, exitInformation(2), [...ds, decision('EXIT.TRIPLEFAULT', '25.2', 'delivery did not converge: treated as a triple fault')]));
};
