/**
 * SDM §26.2.4: rules HOST.ASZ.* of the catalog (spec/vtx/vm-entry/address-space-size.ts). "Current
 * IA32_EFER.LMA" is the processor's own EFER at the time of VMLAUNCH/VMRESUME, not a VMCS field.
 */
import type { ADDRESS_SPACE_SIZE_CHECKS } from '../../../spec/vtx/vm-entry/address-space-size.js';
import { bit } from '../u64.js';
import type { CheckImpl } from './check.js';
import { canonical, F, hi, lo, type EntryEnv } from './env.js';

const EFER_LMA = 1n << 10n;
const lma = (e: EntryEnv) => (e.state.cpu.efer & EFER_LMA) !== 0n;
const intel64 = (e: EntryEnv) => e.caps.intel64;

export const ADDRESS_SPACE_SIZE_IMPL = {
  'HOST.ASZ.LMA0.GUEST': { applies: (e) => intel64(e) && !lma(e), holds: (e) => !e.ia32e },
  'HOST.ASZ.LMA0.HOST': { applies: (e) => intel64(e) && !lma(e), holds: (e) => !e.hasz },
  'HOST.ASZ.LMA1.HOST': { applies: (e) => intel64(e) && lma(e), holds: (e) => e.hasz },
  'HOST.ASZ.H0.GUEST': { applies: (e) => intel64(e) && !e.hasz, holds: (e) => !e.ia32e },
  'HOST.ASZ.H0.PCIDE': { applies: (e) => intel64(e) && !e.hasz, holds: (e) => !bit(lo(e, F.HOST_CR4), 17) },
  'HOST.ASZ.H0.RIP': { applies: (e) => intel64(e) && !e.hasz, holds: (e) => hi(e, F.HOST_RIP) === 0 },
  'HOST.ASZ.H1.PAE': { applies: (e) => intel64(e) && e.hasz, holds: (e) => bit(lo(e, F.HOST_CR4), 5) },
  'HOST.ASZ.H1.RIP': {
    applies: (e) => intel64(e) && e.hasz,
    holds: (e) => canonical(e, F.HOST_RIP),
  },
  'HOST.ASZ.NO64': { applies: (e) => !intel64(e), holds: (e) => !e.ia32e && !e.hasz },
} satisfies Record<keyof typeof ADDRESS_SPACE_SIZE_CHECKS, CheckImpl>;
