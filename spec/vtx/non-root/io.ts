/**
 * SDM §25.1.3, I/O instructions (IN, INS/INSB/INSW/INSD, OUT, OUTS/OUTSB/OUTSW/OUTSD; basic exit
 * reason 30). Either every I/O instruction exits ("unconditional I/O exiting") or the two 4-KByte
 * I/O bitmaps decide per port; with bitmaps in use the unconditional control is ignored.
 */
import { exitRule, ins, type NonRootRuleSpec } from './rule.js';

const S = '25.1.3';
const IO = ins('IN', 'INS', 'OUT', 'OUTS');

/** The I/O bitmaps: one bit per port, bit set = exit. Each bitmap is one 4-KByte page (32 768 bits). */
export const IO_BITMAP_LAYOUT = {
  IO_BITMAP_A: { firstPort: 0x0000, lastPort: 0x7fff, bytes: 4096 },
  IO_BITMAP_B: { firstPort: 0x8000, lastPort: 0xffff, bytes: 4096 },
} as const;

export const IO_RULES = {
  'EXIT.IO.UNCONDITIONAL': exitRule({
    section: S, trigger: IO, controlledBy: ['proc.USE_IO_BITMAPS', 'proc.UNCONDITIONAL_IO_EXITING'], exitReason: 30,
    statement: 'With "use I/O bitmaps" = 0, every I/O instruction exits iff "unconditional I/O exiting" = 1',
    precondition: '"use I/O bitmaps" = 0, and no prior #GP from CPL > IOPL with the TSS I/O-permission bitmap (PRIORITY.IO.TSS)',
  }),
  'EXIT.IO.BITMAP': exitRule({
    section: S, trigger: IO, controlledBy: ['proc.USE_IO_BITMAPS', 'IO_BITMAP_A', 'IO_BITMAP_B'], exitReason: 30,
    // A multi-byte access touches ports p .. p+size-1; the VMM owns the access if it owns any of them.
    statement: 'With "use I/O bitmaps" = 1, an I/O instruction exits iff the bit of any port it accesses (port .. port + size - 1) is 1 in bitmap A (0000H–7FFFH) or B (8000H–FFFFH)',
    precondition: '"use I/O bitmaps" = 1 ("unconditional I/O exiting" is then ignored); no prior TSS I/O-permission #GP',
  }),
  'EXIT.IO.BITMAP.WRAP': exitRule({
    section: S, trigger: IO, controlledBy: ['proc.USE_IO_BITMAPS'], exitReason: 30,
    statement: 'With "use I/O bitmaps" = 1, a multi-byte access that wraps past port FFFFH to 0000H exits whatever the bitmap bits',
    precondition: '"use I/O bitmaps" = 1 and port + size - 1 > FFFFH',
  }),
} as const satisfies Record<string, NonRootRuleSpec>;
