/**
 * SDM §25.1.3, RDMSR (basic exit reason 31) and WRMSR (32). Without MSR bitmaps every access exits;
 * with them one 4-KByte page holds four 1-KByte bitmaps, one bit per MSR, for reads and writes of the
 * low range 00000000H–00001FFFH and the high range C0000000H–C0001FFFH. MSRs outside both ranges
 * always exit, so a VMM never has to reason about MSRs it cannot name.
 */
import { exitRule, ins, type NonRootRuleSpec } from './rule.js';

const S = '25.1.3';

/** The MSR-bitmap page: byte offset of each 1-KByte region and the MSRs it covers (bit i = first + i). */
export const MSR_BITMAP_LAYOUT = {
  readLow: { offset: 0, bytes: 1024, firstMsr: 0x0000_0000, lastMsr: 0x0000_1fff },
  readHigh: { offset: 1024, bytes: 1024, firstMsr: 0xc000_0000, lastMsr: 0xc000_1fff },
  writeLow: { offset: 2048, bytes: 1024, firstMsr: 0x0000_0000, lastMsr: 0x0000_1fff },
  writeHigh: { offset: 3072, bytes: 1024, firstMsr: 0xc000_0000, lastMsr: 0xc000_1fff },
} as const;

const BITMAPS = ['proc.USE_MSR_BITMAPS', 'MSR_BITMAP'] as const;
const PRE = 'CPL = 0 (else #GP first); an ECX naming no MSR still exits (PRIORITY.FAULTLIKE)';

export const MSR_RULES = {
  'EXIT.RDMSR.NOBITMAP': exitRule({
    section: S, trigger: ins('RDMSR'), controlledBy: ['proc.USE_MSR_BITMAPS'], exitReason: 31,
    statement: 'With "use MSR bitmaps" = 0, every RDMSR exits', precondition: PRE,
  }),
  'EXIT.WRMSR.NOBITMAP': exitRule({
    section: S, trigger: ins('WRMSR'), controlledBy: ['proc.USE_MSR_BITMAPS'], exitReason: 32,
    statement: 'With "use MSR bitmaps" = 0, every WRMSR exits', precondition: PRE,
  }),
  'EXIT.RDMSR.OUTSIDE': exitRule({
    section: S, trigger: ins('RDMSR'), controlledBy: BITMAPS, exitReason: 31,
    statement: 'RDMSR of an ECX outside 00000000H–00001FFFH and C0000000H–C0001FFFH exits even with MSR bitmaps', precondition: PRE,
  }),
  'EXIT.WRMSR.OUTSIDE': exitRule({
    section: S, trigger: ins('WRMSR'), controlledBy: BITMAPS, exitReason: 32,
    statement: 'WRMSR of an ECX outside 00000000H–00001FFFH and C0000000H–C0001FFFH exits even with MSR bitmaps', precondition: PRE,
  }),
  'EXIT.RDMSR.BITMAP.LOW': exitRule({
    section: S, trigger: ins('RDMSR'), controlledBy: BITMAPS, exitReason: 31,
    statement: 'RDMSR of ECX in 00000000H–00001FFFH exits iff bit ECX of the read bitmap for low MSRs (offset 0) is 1', precondition: PRE,
  }),
  'EXIT.RDMSR.BITMAP.HIGH': exitRule({
    section: S, trigger: ins('RDMSR'), controlledBy: BITMAPS, exitReason: 31,
    statement: 'RDMSR of ECX in C0000000H–C0001FFFH exits iff bit ECX AND 1FFFH of the read bitmap for high MSRs (offset 1024) is 1', precondition: PRE,
  }),
  'EXIT.WRMSR.BITMAP.LOW': exitRule({
    section: S, trigger: ins('WRMSR'), controlledBy: BITMAPS, exitReason: 32,
    statement: 'WRMSR of ECX in 00000000H–00001FFFH exits iff bit ECX of the write bitmap for low MSRs (offset 2048) is 1', precondition: PRE,
  }),
  'EXIT.WRMSR.BITMAP.HIGH': exitRule({
    section: S, trigger: ins('WRMSR'), controlledBy: BITMAPS, exitReason: 32,
    statement: 'WRMSR of ECX in C0000000H–C0001FFFH exits iff bit ECX AND 1FFFH of the write bitmap for high MSRs (offset 3072) is 1', precondition: PRE,
  }),
} as const satisfies Record<string, NonRootRuleSpec>;
