/**
 * SDM §25.1.3, the control-register accesses (basic exit reason 28) and the TPR-below-threshold exit
 * that TPR virtualization adds to MOV to CR8 (§29.1.2). CR0 and CR4 are split per bit between guest
 * and VMM by the guest/host masks: a guest may change a bit the VMM does not own without an exit, and
 * sees the read shadow for the bits it does own (reads: ./changed-behaviour.ts).
 */
import { exitRule, ins, type NonRootRuleSpec } from './rule.js';

const S = '25.1.3';
const CR_ACCESS = 28 as const;

export const CONTROL_REGISTERS_RULES = {
  'EXIT.CR0.WRITE.MASK': exitRule({
    section: S, trigger: ins('MOV to CR0'), controlledBy: ['CR0_GUEST_HOST_MASK', 'CR0_READ_SHADOW'], exitReason: CR_ACCESS,
    statement: 'MOV to CR0 exits iff some bit set in the CR0 guest/host mask has a source value different from the CR0 read shadow',
    precondition: 'CPL = 0 (else #GP first)',
  }),
  'EXIT.CR4.WRITE.MASK': exitRule({
    section: S, trigger: ins('MOV to CR4'), controlledBy: ['CR4_GUEST_HOST_MASK', 'CR4_READ_SHADOW'], exitReason: CR_ACCESS,
    statement: 'MOV to CR4 exits iff some bit set in the CR4 guest/host mask has a source value different from the CR4 read shadow',
    precondition: 'CPL = 0 (else #GP first)',
  }),
  'EXIT.CLTS': exitRule({
    section: S, trigger: ins('CLTS'), controlledBy: ['CR0_GUEST_HOST_MASK', 'CR0_READ_SHADOW'], exitReason: CR_ACCESS,
    // CLTS can only clear TS, so it changes the guest's view only when the shadow shows TS = 1.
    statement: 'CLTS exits iff bit 3 (TS) is 1 both in the CR0 guest/host mask and in the CR0 read shadow',
    precondition: 'CPL = 0 (else #GP first)',
  }),
  'EXIT.LMSW': exitRule({
    section: S, trigger: ins('LMSW'), controlledBy: ['CR0_GUEST_HOST_MASK', 'CR0_READ_SHADOW'], exitReason: CR_ACCESS,
    // LMSW can set PE but never clear it, so bit 0 only matters in the 0 -> 1 direction.
    statement: 'LMSW exits iff, for some bit of CR0[3:1] set in the mask, the source differs from the read shadow, or mask.PE = 1, source.PE = 1 and shadow.PE = 0',
    precondition: 'CPL = 0 and the memory operand (if any) was fetched without a fault (PRIORITY.OPERAND)',
  }),
  'EXIT.CR3.LOAD.TARGET': exitRule({
    section: S, trigger: ins('MOV to CR3'),
    controlledBy: ['proc.CR3_LOAD_EXITING', 'CR3_TARGET_COUNT', 'CR3_TARGET_VALUE0', 'CR3_TARGET_VALUE1', 'CR3_TARGET_VALUE2', 'CR3_TARGET_VALUE3'],
    exitReason: CR_ACCESS,
    // Target values let a VMM with shadow paging allow switches between a few known address spaces.
    statement: 'MOV to CR3 exits iff "CR3-load exiting" = 1 and the source equals none of the first n CR3-target values (n = CR3-target count; n = 0: always)',
    precondition: 'CPL = 0 (else #GP first)',
  }),
  'EXIT.CR3.STORE': exitRule({
    section: S, trigger: ins('MOV from CR3'), controlledBy: ['proc.CR3_STORE_EXITING'], exitReason: CR_ACCESS,
    statement: 'MOV from CR3 exits iff "CR3-store exiting" = 1', precondition: 'CPL = 0 (else #GP first)',
  }),
  'EXIT.CR8.LOAD': exitRule({
    section: S, trigger: ins('MOV to CR8'), controlledBy: ['proc.CR8_LOAD_EXITING'], exitReason: CR_ACCESS,
    statement: 'MOV to CR8 exits iff "CR8-load exiting" = 1',
    precondition: '64-bit mode (CR8 exists only there) and CPL = 0',
  }),
  'EXIT.CR8.STORE': exitRule({
    section: S, trigger: ins('MOV from CR8'), controlledBy: ['proc.CR8_STORE_EXITING'], exitReason: CR_ACCESS,
    statement: 'MOV from CR8 exits iff "CR8-store exiting" = 1',
    precondition: '64-bit mode and CPL = 0',
  }),
  'EXIT.TPR.BELOW.THRESHOLD': exitRule({
    section: '25.1.3; 29.1.2', trigger: ins('MOV to CR8'),
    controlledBy: ['proc.CR8_LOAD_EXITING', 'proc.USE_TPR_SHADOW', 'TPR_THRESHOLD', 'VIRTUAL_APIC_PAGE_ADDR'], exitReason: 43,
    kind: 'trap-like',
    // Trap-like: the VTPR write has happened; the VMM now delivers the interrupt the guest unmasked.
    statement: 'After a MOV to CR8 that writes the TPR shadow, a VM exit follows when the new VTPR[7:4] is below TPR threshold[3:0]',
    precondition: '"CR8-load exiting" = 0, "use TPR shadow" = 1, "virtual-interrupt delivery" = 0 (APIC virtualization is out of scope)',
  }),
} as const satisfies Record<string, NonRootRuleSpec>;
