/**
 * The emulation of each instruction that can reach the VMM as a virtualization intercept (the
 * dispatch table of LK kvm_emulate / XEN vmx_emulate, vti-vmm-usage.md §3).
 */
import type { VtiInstruction } from '../../../../spec/vti/machine/instructions.js';
import { VmmError } from '../host.js';
import { bsw, cover } from './bank-and-frame.js';
import { fault, type Emu, type Emulation } from './common.js';
import { movFromCr, movToCr } from './control-registers.js';
import { movFromPsr, movToPsrL, rsm, ssm } from './psr.js';
import { movFromAr, movFromCpuid, movFromIndirect, movToAr, movToIndirect } from './registers.js';
import { rfi } from './rfi.js';
import { thash, ttag } from './thash.js';
import { itc, itr, probe, ptc, ptcE, ptr, tak, tpa } from './tlb.js';

export type { Emulation } from './common.js';

export const emulate = (e: Emu, i: VtiInstruction): Emulation => {
  switch (i.op) {
    case 'mov-to-cr': return movToCr(e, i.cr, i.r2);
    case 'mov-from-cr': return movFromCr(e, i.r1, i.cr);
    case 'mov-to-psr-l': return movToPsrL(e, i.r2);
    case 'mov-from-psr': return movFromPsr(e, i.r1);
    case 'ssm': return ssm(e, i.imm24);
    case 'rsm': return rsm(e, i.imm24);
    case 'rfi': return rfi(e);
    case 'bsw': return bsw(e, i.bank);
    case 'cover': return cover(e);
    case 'thash': return thash(e, i.r1, i.r3);
    case 'ttag': return ttag(e, i.r1, i.r3);
    case 'tpa': return tpa(e, i.r1, i.r3);
    case 'tak': return tak(e, i.r1, i.r3);
    case 'mov-from-cpuid': return movFromCpuid(e, i.r1, i.r3);
    case 'itc': return itc(e, i.side, i.r2);
    case 'itr': return itr(e, i.side, i.r3, i.r2);
    case 'ptc': return ptc(e, i.r3, i.r2);
    case 'ptc-e': return ptcE(e, i.r3);
    case 'ptr': return ptr(e, i.side, i.r3, i.r2);
    case 'mov-to-ind': return movToIndirect(e, i.file, i.r3, i.r2);
    case 'mov-from-ind': return movFromIndirect(e, i.file, i.r1, i.r3);
    case 'mov-to-ar': return movToAr(e, i.ar, { r2: i.r2 });
    case 'mov-to-ar-imm': return movToAr(e, i.ar, { imm8: i.imm8 });
    case 'mov-from-ar': return movFromAr(e, i.r1, i.ar);
    case 'probe': return probe(e, i.access, i.r1, i.r3, i.r2);
    // The guest is told it has no VM features (layout.ts guestProfile): vmsw is illegal there. LK and
    // XEN do not emulate it either (IA64_FAULT).
    case 'vmsw': return fault('illegalOperation');
    default: throw new VmmError(`${i.op} cannot be a virtualization intercept`);
  }
};
