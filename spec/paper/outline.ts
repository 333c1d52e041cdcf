/**
 * Every section and subsection of the paper, in the paper's order (object key order), with its title
 * as the paper prints it (the top-level headings are set in capitals there) and, in one line of our
 * own, what it argues. `parent` gives the nesting; the claims of each are in ./sections.ts.
 */

export interface PaperSectionSpec {
  readonly title: string;
  readonly parent: string | null;
  /** What the section argues, paraphrased. */
  readonly argues: string;
  /** The paper prints only the heading: the text is all in the subsections, so it has no claims. */
  readonly headingOnly?: true;
}

const top = (title: string, argues: string): PaperSectionSpec => ({ title, parent: null, argues });
const sub = (parent: string, title: string, argues: string): PaperSectionSpec => ({ title, parent, argues });

export const PAPER_SECTIONS = {
  ABSTRACT: top('Abstract',
    'IA-32 and Itanium are hard to virtualize; first-generation VT adds hardware support so that smaller, simpler VMMs run more operating systems at high performance.'),
  INTRO: top('Introduction',
    'A VMM arbitrates the platform among guest operating systems; virtualization is reaching commodity Intel systems, and VT-x and VT-i are hardware assists for its difficulties.'),
  SWONLY: top('Software-Only Virtualization with the IA-32 and Itanium Architectures',
    'Without hardware help, a VMM on either architecture meets a set of problems that software can only partly work around.'),
  CHALLENGES: sub('SWONLY', 'Challenges to Virtualizing Intel Architectures',
    'Guests cannot be given privilege level 0, so a VMM must deprivilege them (0/1/3 or 0/3/3), and eight distinct problems follow.'),
  'CHALLENGES.RING-ALIASING': sub('CHALLENGES', 'Ring Aliasing',
    'Code run at a privilege level it was not written for can notice, because some unprivileged instructions expose the current level.'),
  'CHALLENGES.ADDRESS-SPACE': sub('CHALLENGES', 'Address-Space Compression',
    'The VMM must occupy and guard part of the guest\'s own virtual-address space, at least for the tables that route transitions to it.'),
  'CHALLENGES.NONFAULTING': sub('CHALLENGES', 'Non-Faulting Access to Privileged State',
    'Some instructions read privileged state without faulting when deprivileged, so the VMM cannot hide what it changed.'),
  'CHALLENGES.SYSCALLS': sub('CHALLENGES', 'Adverse Impact on Guest System Calls',
    'The fast system-call instructions assume ring 0, so under deprivileging every guest SYSENTER and SYSEXIT needs the VMM.'),
  'CHALLENGES.INTERRUPTS': sub('CHALLENGES', 'Interrupt Virtualization',
    'Denying the guest control of interrupt masking by faulting is slow for OSs that mask often, and delivering virtual interrupts on time needs selective interception.'),
  'CHALLENGES.HIDDEN-STATE': sub('CHALLENGES', 'Access to Hidden State',
    'Some processor state has no software-visible register, so a VMM cannot save, restore or set it for a guest.'),
  'CHALLENGES.RING-COMPRESSION': sub('CHALLENGES', 'Ring Compression',
    'In IA-32 64-bit mode only paging protects the VMM, and paging cannot tell levels 0-2 apart, so the guest OS shares level 3 with its applications.'),
  'CHALLENGES.FREQUENT-ACCESS': sub('CHALLENGES', 'Frequent Access to Privileged Resources',
    'Trapping every access to a frequently used privileged register (the TPR; Itanium\'s interruption-control registers) costs too much.'),
  SOFTWARE: top('Addressing Virtualization Challenges in Software',
    'Paravirtualization and binary translation work around the challenges by changing guest code; VT aims to make both unnecessary.'),
  OVERVIEW: top('Intel Virtualization Architecture Overview',
    'The section describes the VT-x extensions first, then VT-i.'),
  VTX: sub('OVERVIEW', 'VT-x Architecture Overview',
    'VMX root and non-root operation, VM entries and exits through the VMCS, and exits caused by instructions and events.'),
  'VTX.GUEST-STATE': sub('VTX', 'Guest-State Area',
    'What the guest-state area holds (the registers every exit must replace, and state no register shows) and what it leaves to the VMM.'),
  'VTX.CONTROLS': sub('VTX', 'VM-Execution Control Fields',
    'Controls for interrupt virtualization, the CR0/CR4 masks and shadows, the exception, I/O and MSR bitmaps, and instruction exiting.'),
  'VTX.VMCS': sub('VTX', 'VMCS Details',
    'The VMCS is found by physical address and has no architectural layout; dedicated instructions access it.'),
  'VTX.ENTRY-EXIT': sub('VTX', 'Details of VM Entries and VM Exits',
    'Entries and exits switch address spaces, entries can inject events, and exits record why they happened, including interrupted event delivery.'),
  VTI: sub('OVERVIEW', 'VT-i Architecture Overview',
    'PSR.vm, the address bit reserved for the VMM, the new PAL procedures and services, the VPD with its acceleration and disable fields, two new IVT vectors, global options and vmsw.'),
  SOLVING: top('Solving Virtualization Challenges with VT-x and VT-i',
    'Because guests run at their intended privilege level, constrained by non-root operation or PSR.vm instead, each challenge disappears.'),
  'SOLVING.ADDRESS-SPACE': sub('SOLVING', 'Address-Space Compression',
    'VT-x switches address spaces on every transition; VT-i keeps an address bit for the VMM and hides it from the guest.'),
  'SOLVING.RINGS': sub('SOLVING', 'Ring Aliasing and Ring Compression',
    'Running guests at their intended level removes both problems.'),
  'SOLVING.NONFAULTING': sub('SOLVING', 'Nonfaulting Access to Privileged State',
    'VT-x makes the state the guest reads its own; VT-i makes thash trap so the VMM can conceal its VHPT.'),
  'SOLVING.SYSCALLS': sub('SOLVING', 'Guest System Calls',
    'A VT-x guest OS runs at level 0, so SYSENTER and SYSEXIT work unaided.'),
  'SOLVING.INTERRUPTS': sub('SOLVING', 'Interrupt Virtualization',
    'External-interrupt exiting and interrupt-window exiting (VT-x), and an acceleration plus a pending-interrupt service and vector (VT-i).'),
  'SOLVING.HIDDEN-STATE': sub('SOLVING', 'Access to Hidden State',
    'VT-x keeps hidden state in the VMCS; VT-i sets CFLE through a PAL service argument.'),
  'SOLVING.FREQUENT-ACCESS': sub('SOLVING', 'Frequent Access to Privileged Resources',
    'The TPR shadow and threshold (VT-x), and accelerations for the TPR and the interruption-control registers (VT-i), call the VMM only when needed.'),
  USAGE: top('Usage of the Intel Virtualization Architecture',
    'Examples, not a complete list, of how a VMM uses the new features.'),
  'USAGE.VTX': { ...sub('USAGE', 'VMM Usage of VT-x Architecture Features', 'Three VT-x recipes.'), headingOnly: true },
  'USAGE.VTX.EXCEPTIONS': sub('USAGE.VTX', 'Exception Handling',
    'Exit on chosen exceptions, then reflect them by injection or remove their cause and resume; nested faults are reinjected.'),
  'USAGE.VTX.INTERRUPTS': sub('USAGE.VTX', 'Interrupt Virtualization',
    'Inject when the guest can take the interrupt, otherwise ask for an interrupt-window exit and inject then.'),
  'USAGE.VTX.LAZY-FPU': sub('USAGE.VTX', 'Lazy Floating-Point State Processing',
    'With CR0.TS in the guest state, bit 7 of the exception bitmap and the CR0 mask and shadow, a VMM restores FPU state lazily even under a lazy guest OS.'),
  'USAGE.VTI': { ...sub('USAGE', 'VMM Usage of VT-i Architecture Features', 'Three VT-i recipes.'), headingOnly: true },
  'USAGE.VTI.EMULATION': sub('USAGE.VTI', 'Instruction Emulation',
    'The intercept handler emulates the instruction together with its architectural side effects (MOV-from-PTA must also update cr.iipa).'),
  'USAGE.VTI.CONFIG': sub('USAGE.VTI', 'Virtualization Configuration',
    'Intercepting everything is possible; accelerations, disables and sync services let the VMM decide policies in advance and avoid most intercepts.'),
  'USAGE.VTI.INTERRUPTIONS': sub('USAGE.VTI', 'External and PAL-Based Interruption Handling',
    'The VMM keeps physical interruptions, delivers guest ones only when unmasked, and needs a PAL service for the RSE state it cannot reach.'),
  FUTURE: top('Future of Intel Virtualization Architecture',
    'NMI-window exiting, VPIDs and EPT are coming to VT-x.'),
  CONCLUSION: top('Conclusion',
    'VT-x and VT-i solve the inherent virtualization problems of IA-32 and Itanium, allowing simpler VMMs for more OSs at high performance.'),
} as const satisfies Record<string, PaperSectionSpec>;

export type SectionId = keyof typeof PAPER_SECTIONS;
export const SECTION_IDS = Object.keys(PAPER_SECTIONS) as SectionId[];
