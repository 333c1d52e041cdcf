/**
 * The floating-point context (ITJ "Lazy Floating-Point State Processing"), exactly the paper's recipe.
 *
 * Lazy — before entering a guest whose floating-point state has not been restored (`arm`):
 *   1. CR0.TS := 1 in the guest-state area (any guest FP instruction raises #NM);
 *   2. bit 7 (#NM) of the exception bitmap := 1 (any #NM exits);
 *   3. TS := 1 in the CR0 guest/host mask (any guest attempt to change CR0.TS exits);
 *   4. TS in the CR0 read shadow := the value the guest expects (kept up to date by the CR0 exits).
 * On a #NM exit (`onDeviceNotAvailable`): if the read shadow's TS is 1 the guest would have taken its
 * own #NM — reflect it by injection; otherwise restore the guest's FP state, set CR0.TS in the
 * guest-state area to what the guest expects (0), clear bit 7 of the exception bitmap and TS in the
 * mask ("relax"), and resume at the FP instruction. From then on the guest's own lazy FP scheme runs
 * without exits — its CR0.TS changes and its #NMs are its own — until the VMM itself needs the FPU:
 * at each external-interrupt exit the host runs and is taken to use the FPU, so the VMM saves the
 * guest's context and arms again (`hostUsesFpu`).
 *
 * Eager (the fallback): TS always in the mask and never in the exception bitmap; the guest's CR0.TS
 * is the real one, and every guest change of it exits — the VMM switches the FP context there and at
 * every host use, so the guest's state is always loaded while the guest runs.
 */
import type { Vm } from './vm.js';
import { CR0_TS } from './vm.js';

const WP = 1n << 16n;
/** Under shadow paging: WP, which the processor keeps at 1 (shadow.ts), and CD and NW, whose changes load PAE's PDPTEs (pae.ts). */
const SHADOW_PAGING_CR0 = WP | (1n << 29n) | (1n << 30n);

/** The CR0 mask bits the VMM always owns: the VMX fixed bits (§23.8), and those shadow paging needs. */
export const fixedCr0Mask = (vm: Vm): bigint =>
  (vm.cr0Fixed0 | (~vm.cr0Fixed1 & 0xffff_ffffn) | (vm.config.memory === 'shadow' ? SHADOW_PAGING_CR0 : 0n)) & 0xffff_ffffn;

/** The CR0 value the processor runs the guest with, for the guest's view `v`. */
export const realCr0 = (vm: Vm, v: bigint): bigint => {
  let r = (v | vm.cr0Fixed0) & (vm.cr0Fixed1 | ~0xffff_ffffn);
  if (vm.config.memory === 'shadow') r |= WP;
  if (vm.config.fpu === 'lazy' && vm.fpu.armed) r |= CR0_TS;
  return r;
};

export const cr0MaskFor = (vm: Vm): bigint =>
  fixedCr0Mask(vm) | (vm.config.fpu === 'eager' || vm.fpu.armed ? CR0_TS : 0n);

/** Steps 1–4 of the recipe; the guest's current TS (real while unmasked) goes into the read shadow first. */
export const arm = (vm: Vm): void => {
  const view = vm.guestCr0();
  vm.fpu.armed = true;
  vm.w('CR0_READ_SHADOW', view);
  vm.w('GUEST_CR0', realCr0(vm, view));
  vm.setExceptionBit(7, true);
  vm.setCr0Mask(cr0MaskFor(vm));
};

/** The host ran and used the FPU (at an external-interrupt exit): save the guest's context, arm again. */
export const hostUsesFpu = (vm: Vm): void => {
  if (vm.fpu.loaded) { vm.fpu.loaded = false; vm.fpu.saves++; }
  if (vm.config.fpu === 'lazy') { if (!vm.fpu.armed) arm(vm); return; }
  // Eager: the guest's context goes back at once.
  vm.fpu.loaded = true;
  vm.fpu.restores++;
};

/** A #NM exit (only while armed). Returns 'reflected' or 'restored'. */
export const onDeviceNotAvailable = (vm: Vm): 'reflected' | 'restored' => {
  if ((vm.f('CR0_READ_SHADOW') & CR0_TS) !== 0n) {
    vm.fpu.nmReflected++;
    vm.inject({ vector: 7, type: 'hardware-exception', errorCode: null });
    return 'reflected';
  }
  vm.fpu.nmRestored++;
  vm.fpu.loaded = true;
  vm.fpu.restores++;
  vm.fpu.armed = false;
  const view = vm.guestCr0();
  vm.w('GUEST_CR0', realCr0(vm, view));
  vm.setExceptionBit(7, false);
  vm.setCr0Mask(cr0MaskFor(vm));
  return 'restored';
};

/** The guest changed its CR0.TS through an exit (eager: every change; lazy: while armed). */
export const guestTsChanged = (vm: Vm): void => {
  if (vm.config.fpu === 'eager') vm.fpu.eagerSwitches++;
};
