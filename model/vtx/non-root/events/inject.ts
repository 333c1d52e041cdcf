/**
 * Event injection at the end of a successful VM entry (§26.5), for the VM-entry model to call on the
 * guest it entered: the VM-entry interruption-information field's event (INJECT.VALID) is delivered
 * through the guest IDT as if it had occurred right after the entry (INJECT.DELIVERY) — RIP pushed
 * per INJECT.RIP, error code per INJECT.ERRORCODE, gate DPL checked per INJECT.DPL, EXT per
 * INJECT.EXT, no CR2/DR6/DR7 effects (INJECT.SIDEEFFECTS) — never exiting by itself (INJECT.NOEXIT),
 * but its delivery may (INJECT.NESTED: exception bitmap, EPT, task gate, triple fault, with the
 * injected event as IDT-vectoring information). A vectoring entry leaves no STI/MOV-SS blocking
 * (INJECT.INTERRUPTIBILITY) and no pending debug exceptions (INJECT.PENDINGDEBUG), the processor
 * active (INJECT.ACTIVITY), NMI blocking after an NMI
 * (INJECT.NMI.BLOCKING); type 7 makes an MTF exit pending (INJECT.MTF.PENDING), as does the monitor
 * trap flag after a delivery (INJECT.MTF.AFTER). The field itself is left as it is: VM exits clear
 * its valid bit (§24.8.3, §27.2). Returns null when the entry injects nothing.
 */
import type { EventType } from '../../../../spec/vtx/non-root/observation.js';
import type { VtxState } from '../../../../spec/vtx/state.js';
import type { Capabilities } from '../../capabilities.js';
import { atBoundary } from '../boundary.js';
import { decision, vmcsField, type NonRootResult } from '../result.js';
import { control } from './controls.js';
import { realMode } from './deliver.js';
import { hex, isSoftware } from './info.js';
import { deliverEvent } from './nested.js';

const TYPES: Readonly<Record<number, EventType>> = {
  0: 'external-interrupt', 2: 'nmi', 3: 'hardware-exception', 4: 'software-interrupt',
  5: 'privileged-software-exception', 6: 'software-exception',
};

export const injectEvent = (caps: Capabilities, guest: VtxState): NonRootResult | null => {
  const info = Number(vmcsField(guest, 'VM_ENTRY_INTR_INFO_FIELD') & 0xffff_ffffn);
  if ((info >>> 31) === 0) return null;
  const vector = info & 0xff;
  const typeNumber = (info >>> 8) & 7;
  const valid = decision('INJECT.VALID', '24.8.3; 26.5', `VM-entry interruption information ${hex(info)}: valid, type ${typeNumber}, vector ${vector}`);
  if (typeNumber === 7) {
    return atBoundary(caps, guest, {
      mtfPending: true,
      decisions: [valid, decision('INJECT.MTF.PENDING', '26.5.2; 25.5.2', 'type 7 (other event), vector 0: nothing is delivered; an MTF VM exit is pending before the first instruction, whatever the "monitor trap flag" control')],
    });
  }
  const type = TYPES[typeNumber];
  // Type 1 is reserved; the VM-entry checks reject it, so no entry gets here with it.
  if (type === undefined) return null;
  const deliverErrorCode = ((info >>> 11) & 1) === 1 && !realMode(guest);
  const errorCode = deliverErrorCode ? Number(vmcsField(guest, 'VM_ENTRY_EXCEPTION_ERROR_CODE') & 0xffff_ffffn) : null;
  const length = Number(vmcsField(guest, 'VM_ENTRY_INSTRUCTION_LEN') & 0xffff_ffffn);
  // Pending debug exceptions survive only a software event injected under MOV-SS blocking (INJECT.PENDINGDEBUG).
  const keepsDebug = (type === 'software-interrupt' || type === 'software-exception') && guest.cpu.blockingByMovSs;
  const entered: VtxState = {
    ...guest,
    cpu: { ...guest.cpu, activity: 'active', blockingBySti: false, blockingByMovSs: false, pendingDebug: keepsDebug ? guest.cpu.pendingDebug : 0n },
  };
  const decisions = [valid,
    decision('INJECT.NOEXIT', '26.5.1.2', 'the injected event is delivered whatever the exception bitmap, "NMI exiting" and "external-interrupt exiting" say'),
    decision('INJECT.RIP', '26.5.1.1', isSoftware(type) ? `type ${typeNumber}: the pushed RIP is the guest RIP + VM-entry instruction length ${length}` : `type ${typeNumber}: the pushed RIP is the guest RIP`),
    decision('INJECT.ERRORCODE', '26.5.1.1', errorCode === null ? 'no error code is pushed' : `error code ${hex(errorCode)} is pushed`),
    decision('INJECT.INTERRUPTIBILITY', '26.6.1', 'vectoring entry: no blocking by STI or MOV SS'),
    ...(guest.cpu.pendingDebug !== 0n ? [decision('INJECT.PENDINGDEBUG', '26.6.3', keepsDebug ? 'software event under MOV-SS blocking: the pending debug exceptions stay pending' : `pending debug exceptions ${hex(guest.cpu.pendingDebug)} dropped by the vectoring entry`)] : []),
    decision('INJECT.ACTIVITY', '26.6.2', `vectoring entry: activity state active (was ${guest.cpu.activity})`),
    ...(type === 'nmi' ? [decision('INJECT.NMI.BLOCKING', '26.6.1', control(guest, 'pin.VIRTUAL_NMIS') ? 'virtual-NMI blocking in effect after the entry' : 'blocking by NMI in effect after the entry')] : []),
  ];
  const r = deliverEvent(caps, entered, {
    vector, type, errorCode, injected: true, ...(isSoftware(type) ? { instructionLength: length } : {}),
  }, decisions);
  if (!control(guest, 'proc.MONITOR_TRAP_FLAG')) return r;
  const mtf = (x: NonRootResult): NonRootResult => (x.observation.kind !== 'delivered' ? x : atBoundary(caps, x.state, {
    mtfPending: true,
    decisions: [...x.decisions, decision('INJECT.MTF.AFTER', '25.5.2', '"monitor trap flag" = 1 and the injected event was delivered: an MTF VM exit is pending before the handler\'s first instruction')],
  }) ?? x);
  const [first, ...others] = [r, ...(r.alternatives ?? [])].map((x) => mtf({ ...x, alternatives: [] })).flatMap((x) => [x, ...(x.alternatives ?? [])]);
  return others.length === 0 ? first! : { ...first!, alternatives: others };
};
