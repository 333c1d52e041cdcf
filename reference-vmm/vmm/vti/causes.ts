/**
 * The intercept cause of an instruction (spec/vti/intercepts.ts INTERCEPT_CAUSES, the current
 * "VMAL 2.0" numbering): for counting when PAL_VP_INIT_ENV did not ask for GR24, and to check GR24
 * against the decoded opcode when it did.
 */
import type { VtiInstruction } from '../../../spec/vti/machine/instructions.js';

const TO_IND = { rr: 10, dbr: 11, ibr: 12, pkr: 13, pmc: 14, pmd: 15 } as const;
const FROM_IND = { rr: 18, dbr: 19, ibr: 20, pkr: 21, pmc: 22, pmd: null } as const;

export const causeOf = (i: VtiInstruction): number | null => {
  switch (i.op) {
    case 'mov-to-ar': return 1;
    case 'mov-to-ar-imm': return 2;
    case 'mov-from-ar': return 3;
    case 'mov-to-cr': return 4;
    case 'mov-from-cr': return 5;
    case 'mov-to-psr-l': return 6;
    case 'mov-from-psr': return 7;
    case 'itc': return i.side === 'd' ? 8 : 9;
    case 'mov-to-ind': return TO_IND[i.file];
    case 'itr': return i.side === 'd' ? 16 : 17;
    case 'mov-from-ind': return FROM_IND[i.file];
    case 'mov-from-cpuid': return 23;
    case 'ssm': return 24;
    case 'rsm': return 25;
    case 'ptc': return i.scope === 'l' ? 26 : i.scope === 'g' ? 27 : 28;
    case 'ptr': return i.side === 'd' ? 29 : 30;
    case 'thash': return 31;
    case 'ttag': return 32;
    case 'tpa': return 33;
    case 'tak': return 34;
    case 'ptc-e': return 35;
    case 'cover': return 36;
    case 'rfi': return 37;
    case 'bsw': return i.bank === 0 ? 38 : 39;
    case 'vmsw': return 40;
    case 'probe': return 41;
    default: return null;
  }
};
