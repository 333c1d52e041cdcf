/**
 * Bit helpers of the VT-i VMM, and the PSR split between what the guest owns and what the VMM owns.
 * Written for the VMM (reference-vmm may not import model/); PSR positions are spec/vti/psr.ts's,
 * through spec/vti/machine/initial.ts `PSR`.
 */
import { PSR } from '../../../spec/vti/machine/initial.js';

export const U64 = (1n << 64n) - 1n;
export const u64 = (v: bigint): bigint => v & U64;
export const bit = (v: bigint, n: number | bigint): boolean => ((v >> BigInt(n)) & 1n) === 1n;
export const bits = (v: bigint, hi: number, lo: number): bigint => (v >> BigInt(lo)) & ((1n << BigInt(hi - lo + 1)) - 1n);
export const hex = (v: bigint | number): string => `0x${v.toString(16)}`;

export const IFS_V = 1n << 63n;
export const RI_SHIFT = 41n;

export const psrRi = (psr: bigint): number => Number(bits(psr, 42, 41));
export const withRi = (psr: bigint, ri: number): bigint => (psr & ~PSR.ri) | (BigInt(ri & 3) << RI_SHIFT);
export const psrCpl = (psr: bigint): number => Number(bits(psr, 33, 32));

/**
 * PSR bits the VMM owns while a guest runs, whatever the guest's own value: interruption collection,
 * interrupts, translation, machine checks, the bank and PSR.vm. The guest's values of these are
 * virtual (vpsr); the machine runs the guest with the VMM's (LK/XEN vcpu_set_psr keep ic, i, dt, rt,
 * mc, it, bn, vm out of the machine IPSR). Unlike LK/XEN this VMM leaves PSR.si to the guest: forced
 * to 1 it would make the guest's user-mode ITC reads Privileged Register faults the guest did not ask
 * for, where with the guest's own si they intercept (cause 3) and are emulated.
 */
export const VMM_OWNED_PSR_BITS = PSR.ic | PSR.i | PSR.dt | PSR.rt | PSR.mc | PSR.it | PSR.bn | PSR.vm;

/** The VMM's values for them: LK vmm_reset_entry's guest IPSR 0x501008826000 without si (it, dt, rt, i, ic, bn, vm). */
export const VMM_GUEST_PSR_BITS = PSR.ic | PSR.i | PSR.dt | PSR.rt | PSR.it | PSR.bn | PSR.vm;

/** The machine PSR that runs a guest whose own PSR is `guestPsr`. */
export const machinePsrFor = (guestPsr: bigint): bigint => (guestPsr & ~VMM_OWNED_PSR_BITS) | VMM_GUEST_PSR_BITS;

/**
 * The guest's PSR from its virtual PSR and the PSR the machine ran it with (IPSR at an entry): the
 * VMM's bits from vpsr, every other bit from the machine, which ran the guest with its own values of
 * them and may have changed them without the VMM — the user mask by `mov psr.um`, cpl and ri by
 * execution (LK vcpu_get_psr; XEN collect_interruption takes id, da, dd, ss, ed from the machine too).
 */
export const guestPsrOf = (vpsr: bigint, machinePsr: bigint): bigint =>
  (vpsr & VMM_OWNED_PSR_BITS & ~PSR.vm) | (machinePsr & ~VMM_OWNED_PSR_BITS);

/** The next slot after (ip, ri): ri + 1, or slot 0 of the next bundle after slot 2. */
export const nextSlot = (ip: bigint, ri: number): { readonly ip: bigint; readonly ri: number } =>
  (ri >= 2 ? { ip: ip + 16n, ri: 0 } : { ip, ri: ri + 1 });
