/**
 * The guest's virtual LSAPIC (LK/XEN vlsapic): pending and in-service vectors, IVR acknowledge, EOI,
 * TPR masking (SDM 2:§5.8; vti-vmm-usage.md §5), and the guest-visible IRR0-3. vtpr is VPD vcr[66].
 */
import { bit, bits } from './bits.js';
import type { Vm } from './vm.js';

export const NMI = 2;
export const EXTINT = 0;
export const SPURIOUS = 15;
const CR_TPR = 66;

const has = (set: bigint, v: number): boolean => bit(set, v);

/** Vectors of `set` by priority: NMI, ExtINT, then 255 down to 16. */
const byPriority = (set: bigint): number[] => {
  const out: number[] = [];
  if (has(set, NMI)) out.push(NMI);
  if (has(set, EXTINT)) out.push(EXTINT);
  for (let v = 255; v >= 16; v--) if (has(set, v)) out.push(v);
  return out;
};

export const highestPending = (vm: Vm): number | null => byPriority(vm.shadow.irr)[0] ?? null;

export type Masking = 'unmasked' | 'in-service' | 'tpr';

/**
 * Whether the highest pending vector may interrupt the guest as far as TPR and the vectors in
 * service go (PSR.i aside): LK irq_masked / XEN _xirq_masked. A higher-or-equal vector in service
 * masks; TPR.mmi masks all but NMI; TPR.mic masks classes at or below it.
 */
export const masking = (vm: Vm, vector: number): Masking => {
  const tpr = vm.host.vpd().vcr.get(CR_TPR) ?? 0n;
  const mmi = bit(tpr, 16);
  const mic = Number(bits(tpr, 7, 4));
  const inService = byPriority(vm.shadow.inService)[0];
  if (inService === NMI) return 'in-service';
  if (vector === NMI) return 'unmasked';
  if (inService === EXTINT) return 'in-service';
  if (mmi) return 'tpr';
  if (vector === EXTINT) return 'unmasked';
  if (inService !== undefined && inService >= vector) return 'in-service';
  if (vector >> 4 <= mic) return 'tpr';
  return 'unmasked';
};

export const pend = (vm: Vm, vector: number): void => {
  vm.shadow.irr |= 1n << BigInt(vector & 0xff);
};

/** Guest read of CR65 (IVR): the highest unmasked pending vector goes in service; else spurious. */
export const acknowledge = (vm: Vm): number => {
  const v = highestPending(vm);
  if (v === null || masking(vm, v) !== 'unmasked') return SPURIOUS;
  vm.shadow.irr &= ~(1n << BigInt(v));
  vm.shadow.inService |= 1n << BigInt(v);
  return v;
};

/** Guest write of CR67 (EOI): the highest vector in service is retired. */
export const endOfInterrupt = (vm: Vm): void => {
  const v = byPriority(vm.shadow.inService)[0];
  if (v !== undefined) vm.shadow.inService &= ~(1n << BigInt(v));
};

/** IRR0-3 (CR68-71) as the guest reads them. */
export const irrWord = (vm: Vm, index: number): bigint => (vm.shadow.irr >> BigInt(64 * index)) & ((1n << 64n) - 1n);

/** VPD vhpi for a pending vector: 0 none, 32 NMI, 16 ExtINT, else its priority class (LK/XEN update_vhpi). */
export const vhpiOf = (vector: number | null): bigint =>
  vector === null ? 0n : vector === NMI ? 32n : vector === EXTINT ? 16n : BigInt(vector >> 4);
