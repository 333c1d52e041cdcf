/**
 * EPT-induced VM exits (SDM §28.2.3, 2016 numbering; referred to from §25.5.3). Only accesses with
 * guest-physical addresses cause them — loading CR3 does not until the address is used. A
 * misconfiguration (an entry the processor cannot interpret) is found during the walk, so it takes
 * precedence: a violation is an access the entries correctly forbid.
 */
import { ev, exitRule, type NonRootRuleSpec } from './rule.js';

const EPT = ['proc.ACTIVATE_SECONDARY_CONTROLS', 'proc2.ENABLE_EPT', 'EPT_POINTER'] as const;

export const EPT_RULES = {
  'EXIT.EPT.MISCONFIG': exitRule({
    section: '28.2.3.1', trigger: ev('guest-physical access'), controlledBy: EPT, exitReason: 49,
    statement: 'An EPT entry met in the walk has bits 2:0 = 010b or 110b (write without read), 100b when execute-only is unsupported, a reserved bit set (incl. bits 51:N above the physical-address width), or, as the leaf, memory type 2, 3 or 7',
    precondition: '"enable EPT" = 1 and the entry is present (bits 2:0 not 000b) for the last three cases',
  }),
  'EXIT.EPT.VIOLATION': exitRule({
    section: '28.2.3.2', trigger: ev('guest-physical access'), controlledBy: EPT, exitReason: 48,
    statement: 'Without a misconfiguration, the access exits if the walk meets a not-present entry, or a read / write / instruction fetch finds bit 0 / 1 / 2 clear in any entry used',
    // Reads and A/D writes of guest paging structures count as data reads and writes.
    precondition: '"enable EPT" = 1; includes the processor\'s own guest paging-structure reads and A/D-flag writes ("EPT-violation #VE" is out of scope)',
  }),
  'EXIT.EPT.VIOLATION.AD': exitRule({
    section: '28.2.3.2; 28.2.4', trigger: ev('guest paging-structure access'), controlledBy: [...EPT], exitReason: 48,
    statement: 'With EPTP bit 6 (accessed/dirty flags) = 1, every access to a guest paging structure counts as a write to EPT, so it exits if any entry used has bit 1 clear',
    precondition: '"enable EPT" = 1, EPTP[6] = 1 and the profile supports EPT A/D flags (IA32_VMX_EPT_VPID_CAP[21])',
    confidence: 'S',
  }),
} as const satisfies Record<string, NonRootRuleSpec>;
