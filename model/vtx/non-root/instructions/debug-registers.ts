/**
 * MOV to and from debug registers in VMX non-root operation (§25.1.3, rules EXIT.MOVDR and
 * PRIORITY.MOVDR): with "MOV-DR exiting" = 1 every MOV DR exits, and this exit comes before the
 * #GP(0) at CPL > 0 and the #UD for DR4/DR5 with CR4.DE = 1 — the one exception to §25.1.1's first
 * principle. Qualification (Table 27-4): DR number 2:0, direction 4 (1 = MOV from DR), GPR 11:8.
 * Without the exit the instruction runs: #GP(0) at CPL > 0, #GP(0) for a DR6/DR7 value with bits
 * 63:32 set in 64-bit mode, otherwise the move (with the fixed bits of DR6 and DR7). DR7.GD (general
 * detect), RTM debugging and the undefined arithmetic flags of MOV DR are not modelled.
 */
import type { GuestInstruction } from '../../../../spec/vtx/guest/instructions.js';
import type { VtxState } from '../../../../spec/vtx/state.js';
import type { Capabilities } from '../../capabilities.js';
import type { NonRootResult } from '../result.js';
import { cite, controlOn, said } from './controls.js';
import { gp, instructionExit, retire, retireWith } from './outcome.js';
import { in64BitMode, reg, U32, U64 } from './operands.js';

export type DebugRegisterInstruction = Extract<GuestInstruction, { op: 'MOV_TO_DR' | 'MOV_FROM_DR' }>;

const MOV_DR = 29;

export const executeDebugRegister = (caps: Capabilities, s: VtxState, i: DebugRegisterInstruction): NonRootResult => {
  const fromDr = i.op === 'MOV_FROM_DR';
  const gpr = fromDr ? i.dst : i.src;
  const exits = controlOn(s, 'proc.MOV_DR_EXITING');
  const ds = [cite('EXIT.MOVDR', `${said(s, 'proc.MOV_DR_EXITING')}${exits ? `: MOV ${fromDr ? 'from' : 'to'} DR${i.dr} exits` : ''}`)];
  if (exits) {
    const qualification = BigInt(i.dr & 7) | (fromDr ? 1n << 4n : 0n) | (BigInt(gpr & 15) << 8n);
    return instructionExit(caps, s, i, MOV_DR, { qualification }, [
      ...ds, cite('PRIORITY.MOVDR', `the MOV-DR exit comes before the CPL check (CPL ${s.cpu.cpl}) and the CR4.DE check`),
    ]);
  }
  if (s.cpu.cpl > 0) return gp(caps, s, [...ds, cite('PRIORITY.MOVDR', `"MOV-DR exiting" = 0: MOV DR at CPL ${s.cpu.cpl} is #GP(0)`)]);
  const width = in64BitMode(s) ? U64 : U32;
  if (fromDr) {
    const value = i.dr === 6 ? s.cpu.dr6 : i.dr === 7 ? s.cpu.dr7 : s.cpu.dr[i.dr] ?? 0n;
    return retireWith(s, i, s, new Map([[i.dst, value & width]]), in64BitMode(s) ? 8 : 4, {}, ds);
  }
  const value = reg(s, i.src) & width;
  if (i.dr === 6 || i.dr === 7) {
    if (value >> 32n !== 0n) return gp(caps, s, ds);
    // Vol. 3B Figure 17-1: DR6 bits 31:16 and 11:4 read as 1 and bit 12 as 0; DR7 bit 10 reads as 1,
    // bits 15:14 and 12 as 0, and bit 11 (RTM) as 0 unless the processor has RTM.
    const dr7Reserved = 0xd000n | (caps.profile.cpuid.rtm ? 0n : 0x800n);
    return retire(s, i, s, i.dr === 6 ? { dr6: (value & 0xe00fn) | 0xffff_0ff0n } : { dr7: (value & ~dr7Reserved) | 0x400n }, ds);
  }
  return retire(s, i, s, { dr: s.cpu.dr.map((v, n) => (n === i.dr ? value : v)) }, ds);
};
