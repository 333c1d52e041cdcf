/**
 * mov to / from a control register with nothing virtualized (SDM 3:175): the CR itself, IVR reads
 * acknowledging, EOI writes retiring. Which CR numbers exist, are read-only, or are interruption CRs.
 */
import type { VtiProfile } from '../../../spec/vti/machine/profile.js';
import { INTERRUPTION_CRS, RESERVED_CR_RANGES } from '../../../spec/vti/control-registers.js';
import { mapGet, mapSet } from '../bits.js';
import { acknowledge, endOfInterrupt } from '../interrupts.js';
import { because } from '../outcome.js';
import { complete, gr, natConsumption, val, type Ctx } from './common.js';

export const CR_IVR = 65;
export const CR_EOI = 67;

/** The CR number names a register on this profile (iib0/iib1 only where the optional feature is). */
export const crExists = (p: VtiProfile, n: number): boolean =>
  Number.isInteger(n) && n >= 0 && n <= 127 &&
  ((n === 26 || n === 27) ? p.optional.iib : !RESERVED_CR_RANGES.some(([lo, hi]) => n >= lo && n <= hi));

/** IVR and IRR0-3 cannot be written. */
export const crReadOnly = (n: number): boolean => n === CR_IVR || (n >= 68 && n <= 71);

/** CR16-CR25 (and iib0/iib1 where they exist): accessible only with PSR.ic = 0. */
export const isInterruptionCr = (p: VtiProfile, n: number): boolean =>
  (n >= INTERRUPTION_CRS.first && n <= INTERRUPTION_CRS.last && n !== 18) || (p.optional.iib && (n === 26 || n === 27));

/** mov r1 = cr3. Implements VTI.NATIVE.MOV_CR (and VTI.EXTINT.IVR for CR65). */
export const movFromCr = (ctx: Ctx, r1: number, cr: number) => {
  if (cr === CR_IVR) {
    const a = acknowledge(ctx.state);
    // CR65 in the state holds the last value read (IVR has no stored value of its own).
    return complete(ctx, { ...a.state, cr: mapSet(a.state.cr, CR_IVR, BigInt(a.vector)) }, [because('VTI.EXTINT.IVR', `IVR read returns ${a.vector}${a.vector === 15 ? ' (spurious)' : ''}`)], { r1, g: gr(BigInt(a.vector)) });
  }
  const v = cr === CR_EOI ? 0n : mapGet(ctx.state.cr, cr);
  return complete(ctx, ctx.state, [because('VTI.NATIVE.MOV_CR', `r${r1} = cr${cr}`)], { r1, g: gr(v) });
};

/** mov cr3 = r2. Implements VTI.NATIVE.MOV_CR (and VTI.EXTINT.EOI for CR67). */
export const movToCr = (ctx: Ctx, cr: number, r2: number) => {
  const nat = natConsumption(ctx, [r2]);
  if (nat !== null) return nat;
  if (cr === CR_EOI) return complete(ctx, endOfInterrupt(ctx.state), [because('VTI.EXTINT.EOI', 'EOI write retires the highest in-service vector')]);
  // IVA{14:0} are ignored (the IVT is 32 KiB aligned, SDM 2:§3.3.3).
  const v = cr === 2 ? val(ctx, r2) & ~0x7fffn : val(ctx, r2);
  return complete(ctx, { ...ctx.state, cr: mapSet(ctx.state.cr, cr, v) }, [because('VTI.NATIVE.MOV_CR', `cr${cr} = r${r2}`)]);
};
