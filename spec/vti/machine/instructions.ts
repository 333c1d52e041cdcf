/**
 * An abstract Itanium instruction set: the instructions VT-i virtualizes (spec/vti/intercepts.ts),
 * those that touch the state they guard, and enough ordinary ones for guests and VMMs to compute.
 * One instruction per step, no bundles or templates: each occupies one slot (PSR.ri), so the IP
 * advances ri + 1, or to the next bundle after slot 2. Operands name registers by number:
 * r1 target, r2 / r3 sources, as the SDM writes them. No qualifying predicates except on br.cond.
 */

/** The indirect register files of `mov rr/pkr/ibr/dbr/pmc/pmd[r3]` (SDM 3:180). */
export type IndirectFile = 'rr' | 'pkr' | 'ibr' | 'dbr' | 'pmc' | 'pmd';

export type TlbSide = 'i' | 'd';

export type CmpRelation = 'eq' | 'ne' | 'lt' | 'ltu';

export type VtiInstruction =
  // --- system instructions (SDM Vol. 3 pages; those VT-i virtualizes carry a cause in GR24) ---
  | { readonly op: 'mov-to-cr'; readonly cr: number; readonly r2: number }
  | { readonly op: 'mov-from-cr'; readonly r1: number; readonly cr: number }
  /** mov psr.l = r2: PSR{31:0}. */
  | { readonly op: 'mov-to-psr-l'; readonly r2: number }
  /** mov psr.um = r2: the user mask PSR{5:0} (not privileged). */
  | { readonly op: 'mov-to-psr-um'; readonly r2: number }
  /** mov r1 = psr: PSR{31:0} and PSR{36:35}. */
  | { readonly op: 'mov-from-psr'; readonly r1: number }
  /** mov r1 = psr.um (not privileged). */
  | { readonly op: 'mov-from-psr-um'; readonly r1: number }
  | { readonly op: 'ssm'; readonly imm24: number }
  | { readonly op: 'rsm'; readonly imm24: number }
  | { readonly op: 'rfi' }
  | { readonly op: 'bsw'; readonly bank: 0 | 1 }
  | { readonly op: 'cover' }
  | { readonly op: 'thash'; readonly r1: number; readonly r3: number }
  | { readonly op: 'ttag'; readonly r1: number; readonly r3: number }
  | { readonly op: 'tpa'; readonly r1: number; readonly r3: number }
  | { readonly op: 'tak'; readonly r1: number; readonly r3: number }
  | { readonly op: 'mov-from-cpuid'; readonly r1: number; readonly r3: number }
  /** itc.i / itc.d r2: insert PTE r2 at CR.IFA with CR.ITIR into the TC. */
  | { readonly op: 'itc'; readonly side: TlbSide; readonly r2: number }
  /** itr.i / itr.d itr[r3] = r2: insert into translation register slot r3. */
  | { readonly op: 'itr'; readonly side: TlbSide; readonly r3: number; readonly r2: number }
  /** ptc.l / ptc.g / ptc.ga r3, r2: purge the TC for address r3, size 2^r2{7:2}. */
  | { readonly op: 'ptc'; readonly scope: 'l' | 'g' | 'ga'; readonly r3: number; readonly r2: number }
  /** ptc.e r3: purge the local TC (the abstraction purges all of it). */
  | { readonly op: 'ptc-e'; readonly r3: number }
  /** ptr.i / ptr.d r3, r2: purge translation registers (and TC) overlapping r3, size 2^r2{7:2}. */
  | { readonly op: 'ptr'; readonly side: TlbSide; readonly r3: number; readonly r2: number }
  | { readonly op: 'mov-to-ind'; readonly file: IndirectFile; readonly r3: number; readonly r2: number }
  | { readonly op: 'mov-from-ind'; readonly file: IndirectFile; readonly r1: number; readonly r3: number }
  | { readonly op: 'mov-to-ar'; readonly ar: number; readonly r2: number }
  /** mov ar = imm8 (sign-extended, -128..127). */
  | { readonly op: 'mov-to-ar-imm'; readonly ar: number; readonly imm8: number }
  | { readonly op: 'mov-from-ar'; readonly r1: number; readonly ar: number }
  | { readonly op: 'vmsw'; readonly to: 0 | 1 }
  /** probe.r / probe.w r1 = r3, r2: may privilege level r2{1:0} read / write address r3? */
  | { readonly op: 'probe'; readonly access: 'r' | 'w'; readonly r1: number; readonly r3: number; readonly r2: number }
  // --- branches and the register stack ---
  /** br.call b1 = target: b1 = return address, the caller's outputs become the callee's frame. */
  | { readonly op: 'br-call'; readonly b1: number; readonly target: bigint }
  /** br.ret b2: return to b2, restoring the caller's frame from AR.PFS. */
  | { readonly op: 'br-ret'; readonly b2: number }
  /** (qp) br.cond target: taken when predicate qp is 1. */
  | { readonly op: 'br-cond'; readonly qp: number; readonly target: bigint }
  /** alloc r1 = ar.pfs, i, l, o, 0 (given as sof and sol): r1 = AR.PFS, then CFM = {sof, sol}. */
  | { readonly op: 'alloc'; readonly r1: number; readonly sof: number; readonly sol: number }
  | { readonly op: 'mov-to-br'; readonly b1: number; readonly r2: number }
  | { readonly op: 'mov-from-br'; readonly r1: number; readonly b2: number }
  // --- ordinary computation ---
  /** movl r1 = imm64. */
  | { readonly op: 'mov-imm'; readonly r1: number; readonly imm: bigint }
  | { readonly op: 'add'; readonly r1: number; readonly r2: number; readonly r3: number }
  /** ld8 r1 = [r3]. */
  | { readonly op: 'ld8'; readonly r1: number; readonly r3: number }
  /** st8 [r3] = r2. */
  | { readonly op: 'st8'; readonly r3: number; readonly r2: number }
  /** cmp.rel p1, p2 = r2, r3: p1 = relation, p2 = its complement (both 0 if a source is NaT). */
  | { readonly op: 'cmp'; readonly relation: CmpRelation; readonly p1: number; readonly p2: number; readonly r2: number; readonly r3: number }
  | { readonly op: 'nop' }
  | { readonly op: 'break'; readonly imm21: number };

export type VtiOp = VtiInstruction['op'];

/** Assembly-like text, for messages and the CLI. */
export const describeVtiInstruction = (i: VtiInstruction): string => {
  const h = (v: bigint): string => `0x${v.toString(16)}`;
  switch (i.op) {
    case 'mov-to-cr': return `mov cr${i.cr} = r${i.r2}`;
    case 'mov-from-cr': return `mov r${i.r1} = cr${i.cr}`;
    case 'mov-to-psr-l': return `mov psr.l = r${i.r2}`;
    case 'mov-to-psr-um': return `mov psr.um = r${i.r2}`;
    case 'mov-from-psr': return `mov r${i.r1} = psr`;
    case 'mov-from-psr-um': return `mov r${i.r1} = psr.um`;
    case 'ssm': return `ssm 0x${i.imm24.toString(16)}`;
    case 'rsm': return `rsm 0x${i.imm24.toString(16)}`;
    case 'rfi': return 'rfi';
    case 'bsw': return `bsw.${i.bank}`;
    case 'cover': return 'cover';
    case 'thash': case 'ttag': case 'tpa': case 'tak': return `${i.op} r${i.r1} = r${i.r3}`;
    case 'mov-from-cpuid': return `mov r${i.r1} = cpuid[r${i.r3}]`;
    case 'itc': return `itc.${i.side} r${i.r2}`;
    case 'itr': return `itr.${i.side} itr[r${i.r3}] = r${i.r2}`;
    case 'ptc': return `ptc.${i.scope} r${i.r3}, r${i.r2}`;
    case 'ptc-e': return `ptc.e r${i.r3}`;
    case 'ptr': return `ptr.${i.side} r${i.r3}, r${i.r2}`;
    case 'mov-to-ind': return `mov ${i.file}[r${i.r3}] = r${i.r2}`;
    case 'mov-from-ind': return `mov r${i.r1} = ${i.file}[r${i.r3}]`;
    case 'mov-to-ar': return `mov ar${i.ar} = r${i.r2}`;
    case 'mov-to-ar-imm': return `mov ar${i.ar} = ${i.imm8}`;
    case 'mov-from-ar': return `mov r${i.r1} = ar${i.ar}`;
    case 'vmsw': return `vmsw.${i.to}`;
    case 'probe': return `probe.${i.access} r${i.r1} = r${i.r3}, r${i.r2}`;
    case 'br-call': return `br.call b${i.b1} = ${h(i.target)}`;
    case 'br-ret': return `br.ret b${i.b2}`;
    case 'br-cond': return `(p${i.qp}) br.cond ${h(i.target)}`;
    case 'alloc': return `alloc r${i.r1} = ar.pfs, sof ${i.sof}, sol ${i.sol}`;
    case 'mov-to-br': return `mov b${i.b1} = r${i.r2}`;
    case 'mov-from-br': return `mov r${i.r1} = b${i.b2}`;
    case 'mov-imm': return `movl r${i.r1} = ${h(i.imm)}`;
    case 'add': return `add r${i.r1} = r${i.r2}, r${i.r3}`;
    case 'ld8': return `ld8 r${i.r1} = [r${i.r3}]`;
    case 'st8': return `st8 [r${i.r3}] = r${i.r2}`;
    case 'cmp': return `cmp.${i.relation} p${i.p1}, p${i.p2} = r${i.r2}, r${i.r3}`;
    case 'nop': return 'nop';
    case 'break': return `break 0x${i.imm21.toString(16)}`;
  }
};

/** Application register numbers the mechanisms single out (SDM 1:§3.1.8). */
export const AR = { k0: 0, k7: 7, rsc: 16, bsp: 17, bspstore: 18, rnat: 19, itc: 44, pfs: 64, lc: 65, ec: 66 } as const;
