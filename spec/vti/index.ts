/**
 * The VT-i specification as data: one catalog object for `vtspec catalog --arch vti` and for the
 * model and reference CPU to import. Every entry of every array carries a `source`.
 */
import { CONTROL_REGISTERS } from './control-registers.js';
import { INTERCEPT_CAUSES, VIRTUALIZED_INSTRUCTIONS } from './intercepts.js';
import { IVT_VECTORS } from './ivt.js';
import { PAL_PROC_FEATURE_BITS, PAL_VP_CONFIG_OPTIONS, PAL_VP_PROCEDURES, PAL_VPS_SERVICES } from './pal.js';
import { PSR_FIELDS } from './psr.js';
import { VAC_BITS, VDC_BITS, VPD_FIELDS } from './vpd.js';

export const VTI_CATALOG = {
  psrBits: PSR_FIELDS,
  controlRegisters: CONTROL_REGISTERS,
  ivtVectors: IVT_VECTORS,
  vpdFields: VPD_FIELDS,
  vacBits: VAC_BITS,
  vdcBits: VDC_BITS,
  palProcedures: PAL_VP_PROCEDURES,
  palServices: PAL_VPS_SERVICES,
  palConfigOptions: PAL_VP_CONFIG_OPTIONS,
  palFeatureBits: PAL_PROC_FEATURE_BITS,
  interceptCauses: INTERCEPT_CAUSES,
  virtualizedInstructions: VIRTUALIZED_INSTRUCTIONS,
} as const satisfies Record<string, readonly { readonly source: string }[]>;

export type VtiCatalog = typeof VTI_CATALOG;

export * from './control-registers.js';
export * from './intercepts.js';
export * from './ivt.js';
export * from './pal.js';
export * from './psr.js';
export type * from './source.js';
export * from './vpd.js';
