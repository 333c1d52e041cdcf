/**
 * The IVA-based interruptions the model raises, as (IVT offset, ISR.code). General Exception codes
 * are ISR.code{7:4} (SDM 2:§8, General Exception vector); the unimplemented-address codes come from
 * UNIMPLEMENTED_VA_RULE (spec/vti/intercepts.ts).
 */
import type { Confidence } from '../source.js';
import { UNIMPLEMENTED_VA_RULE } from '../intercepts.js';
import { EXTERNAL_INTERRUPT_OFFSET, VIRTUAL_EXTERNAL_INTERRUPT_OFFSET, VIRTUALIZATION_OFFSET } from '../ivt.js';

export interface FaultSpec {
  readonly vector: number;
  readonly isrCode: number;
  /** Fault: IIP = the faulting instruction, nothing done; trap: the instruction completed, IIP = next. */
  readonly type: 'fault' | 'trap' | 'interrupt';
  readonly source: string;
  readonly confidence: Confidence;
}

const GENEX = 'SDM 2:§8 General Exception vector (ISR.code{7:4}); XEN/LK IA64_*_FAULT codes';

export const FAULTS = {
  illegalOperation: { vector: 0x5400, isrCode: 0x00, type: 'fault', source: GENEX, confidence: '1' },
  privilegedOperation: { vector: 0x5400, isrCode: 0x10, type: 'fault', source: GENEX, confidence: '1' },
  privilegedRegister: { vector: 0x5400, isrCode: 0x20, type: 'fault', source: GENEX, confidence: '1' },
  reservedRegisterField: { vector: 0x5400, isrCode: 0x30, type: 'fault', source: GENEX, confidence: '1' },
  unimplementedDataAddress: {
    vector: UNIMPLEMENTED_VA_RULE.dataFault.vector, isrCode: UNIMPLEMENTED_VA_RULE.dataFault.isrCode, type: 'fault',
    source: UNIMPLEMENTED_VA_RULE.source, confidence: '1',
  },
  unimplementedInstructionAddress: {
    vector: UNIMPLEMENTED_VA_RULE.instructionTrap.vector, isrCode: UNIMPLEMENTED_VA_RULE.instructionTrap.isrCode, type: 'trap',
    source: UNIMPLEMENTED_VA_RULE.source, confidence: '1',
  },
  registerNatConsumption: { vector: 0x5600, isrCode: 0x10, type: 'fault', source: 'SDM 2:§8 NaT Consumption vector (ISR.code{7:4} = 1)', confidence: '?' },
  unalignedReference: { vector: 0x5a00, isrCode: 0x00, type: 'fault', source: 'SDM 2:§8 Unaligned Reference vector', confidence: '?' },
  dataTlb: { vector: 0x0800, isrCode: 0x00, type: 'fault', source: 'SDM 2:§8 Data TLB vector', confidence: '?' },
  alternateDataTlb: { vector: 0x1000, isrCode: 0x00, type: 'fault', source: 'SDM 2:§8 Alternate Data TLB vector', confidence: '?' },
  pageNotPresent: { vector: 0x5000, isrCode: 0x00, type: 'fault', source: 'SDM 2:188 Page Not Present vector', confidence: '2+' },
  breakInstruction: { vector: 0x2c00, isrCode: 0x00, type: 'fault', source: 'SDM 2:§8 Break Instruction vector (CR.IIM = imm21)', confidence: '2+' },
  externalInterrupt: { vector: EXTERNAL_INTERRUPT_OFFSET, isrCode: 0x00, type: 'interrupt', source: 'SDM 2:§8 External Interrupt vector', confidence: '2+' },
  virtualExternalInterrupt: { vector: VIRTUAL_EXTERNAL_INTERRUPT_OFFSET, isrCode: 0x00, type: 'interrupt', source: 'SDM 2:187', confidence: '2+' },
  virtualization: { vector: VIRTUALIZATION_OFFSET, isrCode: 0x00, type: 'fault', source: 'SDM §11.7.3', confidence: '2+' },
} as const satisfies Record<string, FaultSpec>;

export type FaultName = keyof typeof FAULTS;

/**
 * ISR.code{3:0} of a fault raised by a non-access instruction (ISR.na = 1): which instruction it was
 * (SDM 2:§8, Page Not Present vector: tpa 0, fc 1, probe 2, tak 3, lfetch 4).
 */
export const NON_ACCESS_CODE = { tpa: 0, probe: 2, tak: 3 } as const;

/**
 * PSR bits an interruption keeps (up, mfl, mfh, pk, dt, rt, mc, it); all others become 0, except
 * be and pp which come from DCR (SDM 2:§5.5; the VMMs' collect_interruption mirrors it).
 */
export const INTERRUPTION_PSR_KEEP = 0x0000_0018_0802_8034n;
