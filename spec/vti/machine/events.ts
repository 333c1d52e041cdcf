/**
 * What can happen to the processor in one step besides an instruction: an external event, or a
 * call to PAL (spec/vti/pal.ts). A PAL step models the whole call, from the branch into PAL to the
 * return (or, for the RESUME services, to the first guest instruction fetch): arguments are given as
 * named fields instead of through GR28-31 / GR24-31, since the calling conventions are not what VT-i
 * is about.
 */
import type { VtiInstruction } from './instructions.js';

export type VtiEvent =
  /** An external interrupt arrives at the LSAPIC with this vector (0 ExtINT, 2 NMI, 16-255 maskable). */
  | { readonly kind: 'external-interrupt'; readonly vector: number }
  /** AR.ITC reached CR.ITM: the interval timer pends CR.ITV's vector unless ITV.m = 1. */
  | { readonly kind: 'timer' }
  /** Time passes: AR.ITC advances by `cycles`; crossing CR.ITM acts as `timer`. */
  | { readonly kind: 'clock'; readonly cycles: bigint };

/** Every PAL_VP_* procedure of PAL_VP_PROCEDURES, with its arguments (SDM §11.10). */
export type PalProcedureCall =
  | { readonly name: 'PAL_VP_CREATE'; readonly vpd: bigint; readonly hostIva: bigint; readonly optHandler: bigint }
  | { readonly name: 'PAL_VP_ENV_INFO' }
  | { readonly name: 'PAL_VP_EXIT_ENV'; readonly iva: bigint }
  | { readonly name: 'PAL_VP_INIT_ENV'; readonly configOptions: bigint; readonly pbaseAddr: bigint; readonly vbaseAddr: bigint }
  | { readonly name: 'PAL_VP_REGISTER'; readonly vpd: bigint; readonly hostIva: bigint; readonly optHandler: bigint }
  | { readonly name: 'PAL_VP_RESTORE'; readonly vpd: bigint; readonly palProcVector: bigint }
  | { readonly name: 'PAL_VP_SAVE'; readonly vpd: bigint; readonly palProcVector: bigint }
  | { readonly name: 'PAL_VP_TERMINATE'; readonly vpd: bigint; readonly iva: bigint }
  | { readonly name: 'PAL_VP_INFO'; readonly featureSet: bigint; readonly vpBuffer: bigint };

/** Every PAL_VPS_* service of PAL_VPS_SERVICES, with its input registers as fields (SDM §11.11). */
export type PalServiceCall =
  /** GR24 = the guest's BR0, GR25 = VPD. */
  | { readonly name: 'PAL_VPS_RESUME_NORMAL'; readonly vbr0: bigint; readonly vpd: bigint }
  /** GR26 = the VPD's vac with bit 63 = the CFLE at the target instruction. */
  | { readonly name: 'PAL_VPS_RESUME_HANDLER'; readonly vbr0: bigint; readonly vpd: bigint; readonly vacCfle: bigint }
  | { readonly name: 'PAL_VPS_SYNC_READ'; readonly vpd: bigint }
  | { readonly name: 'PAL_VPS_SYNC_WRITE'; readonly vpd: bigint }
  | { readonly name: 'PAL_VPS_SET_PENDING_INTERRUPT'; readonly vpd: bigint }
  | { readonly name: 'PAL_VPS_THASH'; readonly vadr: bigint; readonly vrr: bigint; readonly vpta: bigint }
  | { readonly name: 'PAL_VPS_TTAG'; readonly vadr: bigint; readonly vrr: bigint }
  | { readonly name: 'PAL_VPS_RESTORE'; readonly vpd: bigint; readonly gr26: bigint }
  /** skipSync: GR26; 1 skips the implicit PAL_VPS_SYNC_READ. */
  | { readonly name: 'PAL_VPS_SAVE'; readonly vpd: bigint; readonly skipSync: bigint };

export type PalCall = PalProcedureCall | PalServiceCall;

export type VtiStepInput =
  | { readonly kind: 'instruction'; readonly instruction: VtiInstruction }
  | { readonly kind: 'event'; readonly event: VtiEvent }
  | { readonly kind: 'pal'; readonly call: PalCall };

export type PalCallName = PalCall['name'];

/**
 * Every call name, in spec/vti/pal.ts order. spec/vti/pal.ts types its names as strings, so the
 * completeness against PAL_VP_PROCEDURES / PAL_VPS_SERVICES is checked by a test (events.test.ts);
 * the `satisfies` clauses check it against the call shapes above.
 */
export const PAL_PROCEDURE_CALL_NAMES = [
  'PAL_VP_CREATE', 'PAL_VP_ENV_INFO', 'PAL_VP_EXIT_ENV', 'PAL_VP_INIT_ENV', 'PAL_VP_REGISTER', 'PAL_VP_RESTORE',
  'PAL_VP_SAVE', 'PAL_VP_TERMINATE', 'PAL_VP_INFO',
] as const satisfies readonly PalProcedureCall['name'][];
export const PAL_SERVICE_CALL_NAMES = [
  'PAL_VPS_RESUME_NORMAL', 'PAL_VPS_RESUME_HANDLER', 'PAL_VPS_SYNC_READ', 'PAL_VPS_SYNC_WRITE', 'PAL_VPS_SET_PENDING_INTERRUPT',
  'PAL_VPS_THASH', 'PAL_VPS_TTAG', 'PAL_VPS_RESTORE', 'PAL_VPS_SAVE',
] as const satisfies readonly PalServiceCall['name'][];
type MissingProcedure = Exclude<PalProcedureCall['name'], (typeof PAL_PROCEDURE_CALL_NAMES)[number]>;
type MissingService = Exclude<PalServiceCall['name'], (typeof PAL_SERVICE_CALL_NAMES)[number]>;
/** Compile-time: the name lists cover every call shape. */
export const PAL_CALL_NAMES_COMPLETE: [MissingProcedure, MissingService] extends [never, never] ? true : never = true;

export const isPalService = (c: PalCall): c is PalServiceCall => c.name.startsWith('PAL_VPS_');
