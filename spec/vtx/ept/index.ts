/**
 * The translation of guest-physical addresses by EPT (SDM Vol. 3C §28.2, June 2016 edition) — the
 * walk, what its entries mean, the accessed and dirty flags — and the information an EPT-induced
 * VM exit records (§27.2.1). Whether an access exits is decided by the exit rules EXIT.EPT.MISCONFIG,
 * EXIT.EPT.VIOLATION and EXIT.EPT.VIOLATION.AD of ../non-root/ept.ts; these rules say how the walk
 * that finds out proceeds.
 */
import { archRule, type ArchRuleSpec } from '../../x86/rule.js';

const C = '3C' as const;

export const EPT_TRANSLATION_RULES = {
  'EPT.WALK': archRule({
    volume: C, section: '28.2.2',
    statement: 'With "enable EPT" = 1 a guest-physical address is translated by a 4-level walk: EPTP bits N–1:12 → EPT PML4E (bits 47:39) → PDPTE (38:30, bit 7 = 1 maps 1 GiB) → PDE (29:21, bit 7 = 1 maps 2 MiB) → PTE (20:12)',
    precondition: '"enable EPT" = 1 (secondary controls active)', outcome: 'the physical address, an EPT misconfiguration or an EPT violation',
  }),
  'EPT.GUEST.PAGING': archRule({
    volume: C, section: '28.2.1; 28.2.3.2',
    statement: 'Every physical address guest paging uses — CR3, the paging-structure entries, the final page — is a guest-physical address translated by EPT; the reads of guest paging structures are data reads and the accessed/dirty updates are writes',
    precondition: '"enable EPT" = 1 and CR0.PG = 1', outcome: 'an EPT violation on a guest paging-structure access has qualification bit 8 = 0',
  }),
  'EPT.PRIORITY': archRule({
    volume: C, section: '28.2.3.3',
    statement: 'A misconfiguration found in the walk is reported before a violation: an access that the entries would also forbid exits with reason 49',
    precondition: 'both a misconfiguration and a permission violation in one translation', outcome: 'VM exit, basic reason 49',
  }),
  'EPT.QUALIFICATION': archRule({
    volume: C, section: '27.2.1 (Table 27-7); 28.2.3.2',
    statement: 'An EPT violation reports the access (bit 0 read, 1 write, 2 fetch), the AND over the entries used of their R, W, X bits (3, 4, 5), whether the guest-linear address field is valid (7), whether the access was to the final translation (8 = 1) or to a guest paging-structure entry (8 = 0), and NMI unblocking by IRET (12); the guest-physical address field holds the address accessed and the guest-linear address field the linear address being translated',
    precondition: 'an EPT violation', outcome: 'VM exit, basic reason 48, with that qualification',
  }),
  'EPT.MISCONFIG.INFO': archRule({
    volume: C, section: '27.2.1',
    statement: 'An EPT misconfiguration clears the exit qualification and reports the guest-physical address being translated; the guest-linear address field is undefined',
    precondition: 'an EPT misconfiguration', outcome: 'VM exit, basic reason 49',
  }),
  'EPT.ACCESSED': archRule({
    volume: C, section: '28.2.4',
    statement: 'With EPTP bit 6 = 1 the processor sets the accessed flag (bit 8) of every EPT entry it uses, and the dirty flag (bit 9) of the entry mapping the page on a write; accesses to guest paging structures count as writes',
    precondition: 'EPTP[6] = 1 and IA32_VMX_EPT_VPID_CAP[21] = 1', outcome: 'the EPT entries are written back', confidence: 'S',
  }),
} as const satisfies Record<string, ArchRuleSpec>;

export type EptTranslationRuleId = keyof typeof EPT_TRANSLATION_RULES;
