/**
 * An instruction with nothing virtualized: with PSR.vm = 0, or with PSR.vm = 1 for the instructions
 * VT-i leaves alone and for those a vdc bit disables. One function per SDM instruction page.
 */
import { match } from 'ts-pattern';
import type { VtiInstruction } from '../../../spec/vti/machine/instructions.js';
import type { Decision } from '../outcome.js';
import { vmsw } from '../vmsw.js';
import { bsw, cover } from './bank-and-frame.js';
import { alloc, brCall, brCond, brRet, movFromBr, movToBr } from './branches.js';
import type { Ctx } from './common.js';
import { add, breakInstruction, cmp, movImm, nop } from './compute.js';
import { movFromCr, movToCr } from './control-registers.js';
import { ld8, st8 } from './memory.js';
import { movFromPsr, movFromPsrUm, movToPsrL, movToPsrUm, systemMask } from './psr.js';
import { movFromAr, movFromCpuid, movFromIndirect, movToAr, movToIndirect } from './registers.js';
import { rfi } from './rfi.js';
import { itc, itr, ptc, ptcE, ptr } from './tlb-management.js';
import { probe, tak, thash, tpa, ttag } from './translation.js';

export const executeNative = (ctx: Ctx, instruction: VtiInstruction): Decision =>
  match(instruction)
    .with({ op: 'mov-to-cr' }, (i) => movToCr(ctx, i.cr, i.r2))
    .with({ op: 'mov-from-cr' }, (i) => movFromCr(ctx, i.r1, i.cr))
    .with({ op: 'mov-to-psr-l' }, (i) => movToPsrL(ctx, i.r2))
    .with({ op: 'mov-to-psr-um' }, (i) => movToPsrUm(ctx, i.r2))
    .with({ op: 'mov-from-psr' }, (i) => movFromPsr(ctx, i.r1))
    .with({ op: 'mov-from-psr-um' }, (i) => movFromPsrUm(ctx, i.r1))
    .with({ op: 'ssm' }, (i) => systemMask(ctx, true, i.imm24))
    .with({ op: 'rsm' }, (i) => systemMask(ctx, false, i.imm24))
    .with({ op: 'rfi' }, () => rfi(ctx))
    .with({ op: 'bsw' }, (i) => bsw(ctx, i.bank))
    .with({ op: 'cover' }, () => cover(ctx))
    .with({ op: 'thash' }, (i) => thash(ctx, i.r1, i.r3))
    .with({ op: 'ttag' }, (i) => ttag(ctx, i.r1, i.r3))
    .with({ op: 'tpa' }, (i) => tpa(ctx, i.r1, i.r3))
    .with({ op: 'tak' }, (i) => tak(ctx, i.r1, i.r3))
    .with({ op: 'mov-from-cpuid' }, (i) => movFromCpuid(ctx, i.r1, i.r3))
    .with({ op: 'itc' }, (i) => itc(ctx, i.side, i.r2))
    .with({ op: 'itr' }, (i) => itr(ctx, i.side, i.r3, i.r2))
    .with({ op: 'ptc' }, (i) => ptc(ctx, i.r3, i.r2))
    .with({ op: 'ptc-e' }, (i) => ptcE(ctx, i.r3))
    .with({ op: 'ptr' }, (i) => ptr(ctx, i.side, i.r3, i.r2))
    .with({ op: 'mov-to-ind' }, (i) => movToIndirect(ctx, i.file, i.r3, i.r2))
    .with({ op: 'mov-from-ind' }, (i) => movFromIndirect(ctx, i.file, i.r1, i.r3))
    .with({ op: 'mov-to-ar' }, (i) => movToAr(ctx, i.ar, { r2: i.r2 }))
    .with({ op: 'mov-to-ar-imm' }, (i) => movToAr(ctx, i.ar, { imm8: i.imm8 }))
    .with({ op: 'mov-from-ar' }, (i) => movFromAr(ctx, i.r1, i.ar))
    .with({ op: 'vmsw' }, (i) => vmsw(ctx, i))
    .with({ op: 'probe' }, (i) => probe(ctx, i.access, i.r1, i.r3, i.r2))
    .with({ op: 'br-call' }, (i) => brCall(ctx, i.b1, i.target))
    .with({ op: 'br-ret' }, (i) => brRet(ctx, i.b2))
    .with({ op: 'br-cond' }, (i) => brCond(ctx, i.qp, i.target))
    .with({ op: 'alloc' }, (i) => alloc(ctx, i.r1, i.sof, i.sol))
    .with({ op: 'mov-to-br' }, (i) => movToBr(ctx, i.b1, i.r2))
    .with({ op: 'mov-from-br' }, (i) => movFromBr(ctx, i.r1, i.b2))
    .with({ op: 'mov-imm' }, (i) => movImm(ctx, i.r1, i.imm))
    .with({ op: 'add' }, (i) => add(ctx, i.r1, i.r2, i.r3))
    .with({ op: 'ld8' }, (i) => ld8(ctx, i.r1, i.r3))
    .with({ op: 'st8' }, (i) => st8(ctx, i.r3, i.r2))
    .with({ op: 'cmp' }, (i) => cmp(ctx, i.relation, i.p1, i.p2, i.r2, i.r3))
    .with({ op: 'nop' }, () => nop(ctx))
    .with({ op: 'break' }, (i) => breakInstruction(ctx, i.imm21))
    .exhaustive();
