/**
 * SDM §25.3 "Changes to Instruction Behavior in VMX Non-Root Operation": instructions that do not
 * exit but behave differently, so that the guest sees the values the VMM chose (read shadows, TPR
 * shadow, offset TSC) rather than the real ones. Every entry produces no VM exit.
 */
import { changedRule, ins, type NonRootRuleSpec } from './rule.js';

const S = '25.3';
const SEC = 'proc.ACTIVATE_SECONDARY_CONTROLS' as const;

export const CHANGED_BEHAVIOUR_RULES = {
  'CHANGED.CR0.READ': changedRule({
    section: S, trigger: ins('MOV from CR0'), controlledBy: ['CR0_GUEST_HOST_MASK', 'CR0_READ_SHADOW'],
    statement: 'MOV from CR0 returns the read-shadow bit for every bit set in the CR0 guest/host mask and the real CR0 bit elsewhere',
    precondition: 'CPL = 0', outcome: 'destination = (CR0 AND NOT mask) OR (shadow AND mask)',
  }),
  'CHANGED.CR4.READ': changedRule({
    section: S, trigger: ins('MOV from CR4'), controlledBy: ['CR4_GUEST_HOST_MASK', 'CR4_READ_SHADOW'],
    statement: 'MOV from CR4 returns the read-shadow bit for every bit set in the CR4 guest/host mask and the real CR4 bit elsewhere',
    precondition: 'CPL = 0', outcome: 'destination = (CR4 AND NOT mask) OR (shadow AND mask)',
  }),
  'CHANGED.SMSW': changedRule({
    section: S, trigger: ins('SMSW'), controlledBy: ['CR0_GUEST_HOST_MASK', 'CR0_READ_SHADOW'],
    // SMSW never exits: it is unprivileged, so a VMM can only hide CR0 bits from it, not trap it.
    statement: 'SMSW stores CR0 as MOV from CR0 would see it: masked bits come from the read shadow',
    precondition: 'always (SMSW is not privileged and never exits)', outcome: 'stored value built from CR0 and the read shadow per the mask',
  }),
  'CHANGED.CR0.WRITE': changedRule({
    section: S, trigger: ins('MOV to CR0'), controlledBy: ['CR0_GUEST_HOST_MASK'],
    statement: 'A MOV to CR0 that does not exit leaves every bit set in the CR0 guest/host mask unmodified',
    precondition: 'EXIT.CR0.WRITE.MASK did not fire', outcome: 'only unmasked CR0 bits take the source value',
  }),
  'CHANGED.CR4.WRITE': changedRule({
    section: S, trigger: ins('MOV to CR4'), controlledBy: ['CR4_GUEST_HOST_MASK'],
    statement: 'A MOV to CR4 that does not exit leaves every bit set in the CR4 guest/host mask unmodified',
    precondition: 'EXIT.CR4.WRITE.MASK did not fire', outcome: 'only unmasked CR4 bits take the source value',
  }),
  'CHANGED.CLTS': changedRule({
    section: S, trigger: ins('CLTS'), controlledBy: ['CR0_GUEST_HOST_MASK', 'CR0_READ_SHADOW'],
    statement: 'When CR0 mask bit 3 = 1 and read-shadow bit 3 = 0, CLTS completes without exiting and leaves CR0.TS unchanged',
    precondition: 'mask.TS = 1, shadow.TS = 0 (mask.TS = 0: CLTS clears TS as usual)', outcome: 'no change to CR0',
  }),
  'CHANGED.LMSW': changedRule({
    section: S, trigger: ins('LMSW'), controlledBy: ['CR0_GUEST_HOST_MASK'],
    statement: 'An LMSW that does not exit leaves every CR0[3:0] bit set in the CR0 guest/host mask unmodified',
    precondition: 'EXIT.LMSW did not fire', outcome: 'only unmasked bits of CR0[3:0] are loaded (PE still cannot be cleared)',
  }),
  'CHANGED.CR8.READ': changedRule({
    section: S, trigger: ins('MOV from CR8'), controlledBy: ['proc.CR8_STORE_EXITING', 'proc.USE_TPR_SHADOW', 'VIRTUAL_APIC_PAGE_ADDR'],
    statement: 'With "use TPR shadow" = 1 and "CR8-store exiting" = 0, MOV from CR8 reads VTPR[7:4] (virtual-APIC page offset 80H) into bits 3:0 and clears the rest',
    precondition: '64-bit mode, CPL = 0', outcome: 'destination = VTPR[7:4], zero-extended',
  }),
  'CHANGED.CR8.WRITE': changedRule({
    section: S, trigger: ins('MOV to CR8'), controlledBy: ['proc.CR8_LOAD_EXITING', 'proc.USE_TPR_SHADOW', 'VIRTUAL_APIC_PAGE_ADDR'],
    statement: 'With "use TPR shadow" = 1 and "CR8-load exiting" = 0, MOV to CR8 writes source[3:0] to VTPR[7:4] and clears the other VTPR bits instead of the real TPR',
    precondition: '64-bit mode, CPL = 0', outcome: 'virtual-APIC page updated; then TPR virtualization (EXIT.TPR.BELOW.THRESHOLD)',
  }),
  'CHANGED.RDTSC.OFFSET': changedRule({
    section: S, trigger: ins('RDTSC', 'RDTSCP'), controlledBy: ['proc.RDTSC_EXITING', 'proc.USE_TSC_OFFSETTING', 'TSC_OFFSET'],
    // Offsetting lets a VMM hide the time the guest was descheduled without trapping every read.
    statement: 'With "RDTSC exiting" = 0 and "use TSC offsetting" = 1, RDTSC and RDTSCP return the TSC plus the TSC offset',
    precondition: 'the instruction does not exit', outcome: 'EDX:EAX = TSC + TSC_OFFSET (mod 2^64)',
  }),
  'CHANGED.RDMSR.TSC': changedRule({
    section: S, trigger: ins('RDMSR'), controlledBy: ['proc.USE_MSR_BITMAPS', 'MSR_BITMAP', 'proc.USE_TSC_OFFSETTING', 'TSC_OFFSET'],
    statement: 'An RDMSR of IA32_TIME_STAMP_COUNTER (10H) that does not exit returns the TSC plus the TSC offset when "use TSC offsetting" = 1',
    precondition: 'the read bitmap bit of MSR 10H is 0', outcome: 'EDX:EAX = TSC + TSC_OFFSET (mod 2^64)',
  }),
  'CHANGED.TSC.SCALING': changedRule({
    section: S, trigger: ins('RDTSC', 'RDTSCP', 'RDMSR'), controlledBy: ['proc.USE_TSC_OFFSETTING', SEC, 'proc2.USE_TSC_SCALING', 'TSC_MULTIPLIER'],
    statement: 'With "use TSC scaling" = 1 as well, the TSC is first multiplied by the TSC multiplier (a 16.48 fixed-point number) and then offset',
    precondition: 'the read does not exit and "use TSC offsetting" = 1', outcome: 'value = ((TSC * multiplier) >> 48) + TSC_OFFSET',
    confidence: 'S',
  }),
  'CHANGED.RDTSCP.UD': changedRule({
    section: S, trigger: ins('RDTSCP'), controlledBy: [SEC, 'proc2.ENABLE_RDTSCP'],
    statement: 'With "enable RDTSCP" = 0, RDTSCP is #UD in non-root operation', precondition: 'always', outcome: '#UD',
  }),
  'CHANGED.INVPCID.UD': changedRule({
    section: S, trigger: ins('INVPCID'), controlledBy: [SEC, 'proc2.ENABLE_INVPCID'],
    statement: 'With "enable INVPCID" = 0, INVPCID is #UD in non-root operation', precondition: 'always', outcome: '#UD',
  }),
  'CHANGED.XSAVES.UD': changedRule({
    section: S, trigger: ins('XSAVES', 'XRSTORS'), controlledBy: [SEC, 'proc2.ENABLE_XSAVES_XRSTORS'],
    statement: 'With "enable XSAVES/XRSTORS" = 0, XSAVES and XRSTORS are #UD in non-root operation', precondition: 'always', outcome: '#UD',
    confidence: 'S',
  }),
  'CHANGED.IRET.NMI': changedRule({
    section: S, trigger: ins('IRET'), controlledBy: ['pin.NMI_EXITING'],
    // With NMI exiting the VMM, not the guest's IRET, owns the real NMI blocking.
    statement: 'With "NMI exiting" = 1, IRET does not change the blocking of NMIs',
    precondition: '"NMI exiting" = 1', outcome: 'blocking by NMI unchanged', confidence: 'S',
  }),
  'CHANGED.IRET.VNMI': changedRule({
    section: S, trigger: ins('IRET'), controlledBy: ['pin.VIRTUAL_NMIS'],
    statement: 'With "virtual NMIs" = 1, IRET removes virtual-NMI blocking',
    precondition: '"virtual NMIs" = 1 (requires "NMI exiting" = 1)', outcome: 'virtual-NMI blocking cleared', confidence: 'S',
  }),
  'CHANGED.IF.EXTINT': changedRule({
    section: S, trigger: ins('CLI', 'STI', 'POPF', 'IRET'), controlledBy: ['pin.EXTERNAL_INTERRUPT_EXITING'],
    statement: 'With "external-interrupt exiting" = 1, RFLAGS.IF no longer masks external interrupts: they exit whatever the guest sets IF to',
    precondition: '"external-interrupt exiting" = 1', outcome: 'RFLAGS.IF still changes, but only interrupt-window exiting observes it',
  }),
} as const satisfies Record<string, NonRootRuleSpec>;
