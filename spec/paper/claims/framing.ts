/**
 * Claims of the framing sections (abstract, introduction, the software-only section's opening, the
 * software work-arounds, the overview's opening, the conclusion). They set context: most say what
 * the rest of the paper argues, and are checked there, or describe software outside the model.
 */
import { background, type PaperClaimSpec } from '../claim.js';

const SUMMARY = 'a summary; each part of it is a claim of a later section, checked there';

export const FRAMING_CLAIMS = {
  'PAPER.ABSTRACT.SUMMARY': background('ABSTRACT', 'both',
    'Both architectures resist virtualization; first-generation VT-x and VT-i add hardware support that shrinks and simplifies VMMs while they host more guest OSs at high performance.',
    SUMMARY),
  'PAPER.INTRO.VMM': background('INTRO', 'general',
    'A virtualized system adds a VMM that arbitrates the physical resources among guest OSs, each of which sees a virtual machine.',
    'a definition; it becomes executable as the native-versus-virtual equivalence property (issue 6 item 3), which is a property of whole VMMs, not a rule'),
  'PAPER.INTRO.MAINSTREAM': background('INTRO', 'general',
    'Virtualization moved from mainframes and proprietary servers to Intel-architecture systems thanks to their performance, software techniques and new uses.',
    'history and motivation'),
  'PAPER.INTRO.ASSISTS': background('INTRO', 'both',
    'VT-x (IA-32) and VT-i (Itanium) are hardware assists that remove many of the difficulties of writing a VMM for Intel-architecture systems.',
    SUMMARY),
  'PAPER.SWONLY.MOTIVATION': background('SWONLY', 'both',
    'Growing uses call for better virtualization support, but IA-32 and Itanium pose challenges that software techniques only partly address.',
    'motivation; the challenges themselves are the claims of the next section'),
  'PAPER.SOFTWARE.PARAVIRTUALIZATION': background('SOFTWARE', 'general',
    'Paravirtualizing VMMs (Denali, Xen) change the guest OS source to an interface simpler to virtualize: fast, but only for OSs whose source was changed.',
    'about guest software outside the model: the project runs unmodified guests only'),
  'PAPER.SOFTWARE.BINARY-TRANSLATION': background('SOFTWARE', 'general',
    'Binary-translating VMMs (VMware, Microsoft Virtual PC and Virtual Server) rewrite sensitive guest code on the fly and so support more OSs than paravirtualization.',
    'about VMM software outside the model'),
  'PAPER.SOFTWARE.VT-GOAL': background('SOFTWARE', 'both',
    'VT was designed to make paravirtualization and binary translation unnecessary for the processor, so that simpler robust VMMs run unmodified OSs at high performance.',
    'a design goal; its executable form is the sixteen challenge checks and the equivalence property of issue 6, not a rule'),
  'PAPER.OVERVIEW.PLAN': background('OVERVIEW', 'both',
    'The overview describes VT-x first, then VT-i.',
    'the structure of the section'),
  'PAPER.CONCLUSION.SUMMARY': background('CONCLUSION', 'both',
    'VT-x and VT-i, the first parts of Intel VT, solve the problems inherent in virtualizing IA-32 and Itanium, which allows simpler VMMs for a wider range of OSs with high performance.',
    SUMMARY),
} as const satisfies Record<string, PaperClaimSpec>;
