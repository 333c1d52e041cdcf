/**
 * Linear-address translation by the guest's own paging (SDM Vol. 3A ch. 4, June 2016 edition): the
 * three paging modes a guest can use, the access-rights checks, the page-fault error code, and the
 * accessed/dirty flags. In VMX non-root operation with EPT every physical address these rules name
 * is a guest-physical address (spec/vtx/ept).
 *
 * Guest memory operands of the abstract ISA are naturally aligned (spec/vtx/guest/instructions.ts):
 * PAGING.ALIGNMENT is that abstraction's rule, not the architecture's.
 */
import { archRule, type ArchRuleSpec } from './rule.js';

const A = '3A' as const;

export const PAGING_RULES = {
  'PAGING.NONE': archRule({
    volume: A, section: '4.1.1',
    statement: 'With CR0.PG = 0 a linear address is used as the physical address',
    precondition: 'CR0.PG = 0 (a guest needs "unrestricted guest" for it)', outcome: 'no translation, no page fault',
  }),
  'PAGING.IA32E': archRule({
    volume: A, section: '4.5',
    statement: '4-level paging: CR3 → PML4E (bits 47:39) → PDPTE (38:30, PS = 1 maps 1 GiB) → PDE (29:21, PS = 1 maps 2 MiB) → PTE (20:12), 8-byte entries',
    precondition: 'CR0.PG = 1, CR4.PAE = 1, IA32_EFER.LME = 1', outcome: 'the physical address, or #PF',
  }),
  'PAGING.PAE': archRule({
    volume: A, section: '4.4',
    statement: 'PAE paging: the PDPTE register selected by bits 31:30 (not the table in memory: PAGING.PAE.LOAD, ENTRY.LOAD.PDPTE, VMEXIT.HOST.PDPTE fill them) → PDE (29:21, PS = 1 maps 2 MiB) → PTE (20:12), 8-byte entries',
    precondition: 'CR0.PG = 1, CR4.PAE = 1, IA32_EFER.LME = 0', outcome: 'the physical address, or #PF',
  }),
  'PAGING.PAE.LOAD': archRule({
    volume: A, section: '4.4.1',
    statement: 'MOV to CR3 while PAE paging is in use, and MOV to CR0 or CR4 after which PAE paging is in use that changes CR0.CD, NW, PG or CR4.PAE, PGE, PSE, SMEP, load the four PDPTE registers from the 32-byte table at CR3[31:5] (with EPT a guest-physical address read through EPT, with no guest-linear address: §27.2.1, §28.2.3.2); a present PDPTE with bits 2:1, 8:5 or 63:MAXPHYADDR set makes the instruction #GP(0) and nothing is loaded',
    precondition: 'the instruction does not exit', outcome: 'PDPTE0-3 loaded, or #GP(0), or an EPT-induced VM exit',
  }),
  'PAGING.32BIT': archRule({
    volume: A, section: '4.3',
    statement: '32-bit paging: CR3 → PDE (bits 31:22, PS = 1 with CR4.PSE = 1 maps 4 MiB, address bits 39:32 from PDE 20:13) → PTE (21:12), 4-byte entries, no execute-disable',
    precondition: 'CR0.PG = 1, CR4.PAE = 0', outcome: 'the physical address, or #PF',
  }),
  'PAGING.NOTPRESENT': archRule({
    volume: A, section: '4.7',
    statement: 'A paging-structure entry with P = 0 ends the walk with a page fault whose error-code bit P is 0',
    precondition: 'an entry used in the walk is not present', outcome: '#PF, P = 0',
  }),
  'PAGING.RSVD': archRule({
    volume: A, section: '4.3; 4.4.2; 4.5; 4.7',
    statement: 'A present entry with a reserved bit set (address bits at or above MAXPHYADDR, XD without IA32_EFER.NXE, PS in a PML4E, the low address bits of a large page) ends the walk with a page fault with RSVD = 1 and P = 1',
    precondition: 'a present entry with a reserved bit set', outcome: '#PF, P = 1, RSVD = 1',
  }),
  'PAGING.USER': archRule({
    volume: A, section: '4.6.1',
    statement: 'A user-mode access (CPL 3, not an implicit supervisor access to the GDT, IDT or TSS) needs U/S = 1 in every entry of the walk',
    precondition: 'CPL = 3', outcome: '#PF, P = 1, U = 1',
  }),
  'PAGING.WRITE': archRule({
    volume: A, section: '4.6.1',
    statement: 'A write needs R/W = 1 in every entry of the walk if it is a user-mode access or CR0.WP = 1',
    precondition: 'a data write', outcome: '#PF, P = 1, W = 1',
  }),
  'PAGING.NX': archRule({
    volume: A, section: '4.6.1',
    statement: 'With IA32_EFER.NXE = 1 (PAE or 4-level paging), an instruction fetch from a page with XD = 1 in any entry of the walk faults',
    precondition: 'an instruction fetch', outcome: '#PF, P = 1, I = 1',
    notModelled: 'instruction fetch is not modelled: a guest step is an already-decoded instruction (spec/vtx/guest/instructions.ts), so no fetch is ever translated',
  }),
  'PAGING.SMEP': archRule({
    volume: A, section: '4.6.1',
    statement: 'With CR4.SMEP = 1, a supervisor-mode instruction fetch from a user page (U/S = 1 in every entry) faults',
    precondition: 'CR4.SMEP = 1 and CPL < 3', outcome: '#PF, P = 1, I = 1',
    notModelled: 'instruction fetch is not modelled: a guest step is an already-decoded instruction (spec/vtx/guest/instructions.ts), so no fetch is ever translated',
  }),
  'PAGING.SMAP': archRule({
    volume: A, section: '4.6.1',
    statement: 'With CR4.SMAP = 1, a supervisor-mode data access to a user page faults if it is implicit or RFLAGS.AC = 0',
    precondition: 'CR4.SMAP = 1 and a supervisor-mode data access', outcome: '#PF, P = 1',
  }),
  'PAGING.ERRORCODE': archRule({
    volume: A, section: '4.7',
    statement: 'The #PF error code has P (bit 0: protection, not not-present), W/R (1: write), U/S (2: user-mode access), RSVD (3), I/D (4: instruction fetch, reported only with SMEP or PAE/4-level paging with NXE)',
    precondition: 'a page fault', outcome: 'error code pushed, or compared with the page-fault error-code mask and match (EXIT.EXCEPTION.PF)',
  }),
  'PAGING.ACCESSED': archRule({
    volume: A, section: '4.8',
    statement: 'The processor sets the accessed flag (bit 5) of every paging-structure entry it uses, and the dirty flag (bit 6) of the entry that maps the page when it writes to it',
    precondition: 'the translation succeeds (this model sets the flags only then)', outcome: 'the entries are written back (a guest-physical write under EPT)',
    confidence: 'S',
  }),
  'PAGING.CANONICAL': archRule({
    volume: A, section: '3.3.7.1',
    statement: 'In IA-32e mode a linear address must be canonical (bits 63 down to the linear-address width all equal)',
    precondition: 'IA32_EFER.LMA = 1', outcome: '#GP(0) for a data access (#SS for a stack access)',
  }),
  'PAGING.ALIGNMENT': archRule({
    volume: A, section: 'abstraction (spec/vtx/guest/instructions.ts)',
    statement: 'The abstract ISA accesses memory only naturally aligned: a misaligned operand raises #GP(0)',
    precondition: 'a guest memory operand of 2, 4 or 8 bytes at an address not a multiple of its size', outcome: '#GP(0)',
    confidence: 'S',
  }),
} as const satisfies Record<string, ArchRuleSpec>;

export type PagingRuleId = keyof typeof PAGING_RULES;
