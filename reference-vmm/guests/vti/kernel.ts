/**
 * What the VT-i guest kernels share: their memory map (everything in region 0, well inside the
 * addresses a guest may use), the state they start in (a kernel at cpl 0 with interruption collection
 * on and interrupts masked until it has set up its IVT), the set-up code, and a counter idiom.
 */
import { initialVtiState, PSR } from '../../../spec/vti/machine/initial.js';
import type { VtiProfile } from '../../../spec/vti/machine/profile.js';
import type { VtiState } from '../../../spec/vti/machine/state.js';
import type { AsmItem } from './assemble.js';

export const GUEST = {
  /** The kernel's IVT (32 KiB aligned). */
  iva: 0x0000_0000_0001_0000n,
  /** Where the kernel starts. */
  entry: 0x0000_0000_0040_0000n,
  /** Kernel data: counters and logs. */
  data: 0x0000_0000_0020_0000n,
  /** The kernel's interval-timer vector. */
  timerVector: 0xe0,
  /** A device's interrupt vector. */
  deviceVector: 0x40,
} as const;

/** IVT offsets the kernels fill. */
export const IVT = { break: 0x2c00n, externalInterrupt: 0x3000n } as const;

/** Control registers by number. */
export const CR = {
  dcr: 0, itm: 1, iva: 2, pta: 8, ipsr: 16, isr: 17, iip: 19, ifa: 20, itir: 21, iipa: 22, ifs: 23, iim: 24, iha: 25,
  ivr: 65, tpr: 66, eoi: 67, itv: 72,
} as const;

/** The guest kernel at its first instruction: cpl 0, PSR.ic = 1, interrupts masked, bank 1. */
export const kernelState = (profile: VtiProfile, memory: ReadonlyMap<bigint, bigint> = new Map()): VtiState => {
  const s = initialVtiState(profile);
  return {
    ...s,
    psr: PSR.ic | PSR.dt | PSR.rt | PSR.it | PSR.bn,
    ip: GUEST.entry,
    rse: { ...s.rse, cfm: { sof: 8, sol: 8 } },
    memory,
  };
};

/** Set up the IVT, the timer vector and TPR, then unmask interrupts (each a guest kernel's first steps). */
export const setUp = (): AsmItem[] => [
  { op: 'mov-imm', r1: 2, imm: GUEST.iva },
  { op: 'mov-to-cr', cr: CR.iva, r2: 2 },
  { op: 'mov-imm', r1: 2, imm: BigInt(GUEST.timerVector) },
  { op: 'mov-to-cr', cr: CR.itv, r2: 2 },
  { op: 'mov-to-cr', cr: CR.tpr, r2: 0 },
  { op: 'ssm', imm24: Number(PSR.i) },
];

/** [address] += 1, with `addr`, `tmp` and `one` scratch registers. */
export const increment = (address: bigint, addr: number, tmp: number, one: number): AsmItem[] => [
  { op: 'mov-imm', r1: addr, imm: address },
  { op: 'mov-imm', r1: one, imm: 1n },
  { op: 'ld8', r1: tmp, r3: addr },
  { op: 'add', r1: tmp, r2: tmp, r3: one },
  { op: 'st8', r3: addr, r2: tmp },
];

/** A counted loop: `body` `times` times, with r3 the counter, r4 = 1, r5 the bound; then halt. */
export const countedLoop = (times: number, body: readonly AsmItem[]): AsmItem[] => [
  { op: 'mov-imm', r1: 3, imm: 0n },
  { op: 'mov-imm', r1: 4, imm: 1n },
  { op: 'mov-imm', r1: 5, imm: BigInt(times) },
  { label: 'loop' },
  ...body,
  { op: 'add', r1: 3, r2: 3, r3: 4 },
  { op: 'cmp', relation: 'lt', p1: 6, p2: 7, r2: 3, r3: 5 },
  { op: 'br-cond', qp: 6, target: 'loop' },
  { op: 'br-cond', qp: 0, target: 'halt' },
  // Nothing is placed at `halt`: the run ends there.
  { label: 'halt' },
];
