/**
 * Claims of "Future of Intel Virtualization Architecture". The three features it anticipated are in
 * the 2016 SDM the project follows, so they are modelled and checked like the others.
 */
import { claim, type PaperClaimSpec } from '../claim.js';

export const FUTURE_CLAIMS = {
  'PAPER.FUTURE.NMI-WINDOW': claim('FUTURE', 'vtx', 'mechanism',
    'NMI-window exiting will do for NMIs, which other conditions block, what interrupt-window exiting does for maskable interrupts.',
    ['EXIT.NMIWINDOW', 'CTL.NMIWIN.NEEDS.VNMI', 'proc.NMI_WINDOW_EXITING']),
  'PAPER.FUTURE.VPID': claim('FUTURE', 'vtx', 'efficiency',
    'VPIDs let a VMM give each virtual processor a non-zero tag (0 is the VMM\'s) for its TLB entries, which removes the TLB flushes on every entry and exit.',
    ['CTL.VPID.NONZERO', 'VMEXIT.HOST.TLB', 'proc2.ENABLE_VPID'],
    'the model has no TLB (VMEXIT.HOST.TLB is marked not modelled): it checks the VPID rules, not the flushes saved'),
  'PAPER.FUTURE.EPT': claim('FUTURE', 'vtx', 'mechanism',
    'With EPT the guest page tables map linear to guest-physical addresses and separate EPT tables map those to host-physical ones, so the guest can edit its own page tables and handle its own page faults, and the VM exits of page-table virtualization go away.',
    ['EPT.WALK', 'EPT.GUEST.PAGING', 'EXIT.EPT.VIOLATION', 'EXIT.EPT.MISCONFIG', 'CTL.EPTP.WALKLEN', 'proc2.ENABLE_EPT']),
} as const satisfies Record<string, PaperClaimSpec>;
