/**
 * Control-register exits (exit reason 28, qualification Table 27-3): the guest's writes of CR0/CR4
 * bits the VMM owns (guest/host masks), CLTS and LMSW with CR0.TS owned, CR3 loads and stores under
 * shadow paging, CR8 loads and stores with CR8 exiting. The VMM applies the rules a processor without
 * VMX applies to the guest's value (the native processor the guest is told it has, cpu/vtx/native:
 * #GP(0) for reserved bits, PG without PE, NW without CD, leaving paging or PAE in IA-32e mode,
 * PCIDE rules, CR3 beyond MAXPHYADDR, CR8 above 15, PAE's PDPTE loads, pae.ts) and keeps the guest's
 * view in the read shadows; the value the processor runs with keeps the VMX fixed bits (§23.8), the FPU
 * recipe's TS (fpu.ts) and, under shadow paging, WP = 1 (shadow.ts). Under shadow paging every change
 * of how the guest's tables are to be read — CR3, CR0.WP, the CR4 paging bits, new PDPTEs — empties
 * the shadow tables.
 */
import { cr0MaskFor, guestTsChanged, realCr0 } from './fpu.js';
import { cr0ReloadsPdptes, cr4ReloadsPdptes, readGuestPdptes, setGuestPdptes, usesPae } from './pae.js';
import { flushShadow } from './shadow.js';
import type { Vm } from './vm.js';
import { CR0_TS } from './vm.js';

const CR0_WRITABLE = 0xe005_002fn;
const CR0 = { PE: 1n, WP: 1n << 16n, NW: 1n << 29n, CD: 1n << 30n, PG: 1n << 31n } as const;
const EFER_LME = 1n << 8n, EFER_LMA = 1n << 10n;

/** The guest's CR3: the VMM's copy under shadow paging, else the processor's. */
const guestCr3 = (vm: Vm): bigint => (vm.config.memory === 'shadow' ? vm.vCr3 : vm.f('GUEST_CR3'));

/** PAE paging after the write and a load-triggering change: load the PDPTEs, false (#GP) if one is bad. */
const loadPdptes = (vm: Vm, cr3: bigint): boolean => {
  const entries = readGuestPdptes(vm, cr3);
  if (entries === null) return false;
  setGuestPdptes(vm, entries);
  return true;
};

/** The guest sets CR0 to `v` (its view); 'gp' when the native processor would fault. */
const setGuestCr0 = (vm: Vm, v: bigint): void => {
  const old = vm.guestCr0();
  if (((old ^ v) & CR0_TS) !== 0n) guestTsChanged(vm);
  vm.w('CR0_READ_SHADOW', v);
  vm.w('GUEST_CR0', realCr0(vm, v));
  vm.setCr0Mask(cr0MaskFor(vm));
};

export const movToCr0 = (vm: Vm, src: bigint): boolean => {
  if ((src >> 32n) !== 0n) return false;
  const v = (vm.guestCr0() & ~CR0_WRITABLE) | (src & CR0_WRITABLE);
  if ((v & CR0.PG) !== 0n && (v & CR0.PE) === 0n) return false;
  if ((v & CR0.NW) !== 0n && (v & CR0.CD) === 0n) return false;
  if (vm.guestLongMode() && (v & CR0.PG) === 0n) return false;
  const old = vm.guestCr0();
  // EFER as the write leaves it: with LME = 1, paging on means IA-32e mode (LMA), not PAE (Vol. 3A §9.8.5).
  const efer = vm.f('GUEST_IA32_EFER');
  const lma = (efer & EFER_LME) !== 0n && (v & CR0.PG) !== 0n;
  const reload = usesPae(v, vm.guestCr4(), lma ? efer | EFER_LMA : efer & ~EFER_LMA) && cr0ReloadsPdptes(old, v);
  if (reload && !loadPdptes(vm, guestCr3(vm))) return false;
  setGuestCr0(vm, v);
  if (vm.config.memory === 'shadow' && (reload || ((old ^ v) & CR0.WP) !== 0n)) flushShadow(vm);
  return true;
};

export const clts = (vm: Vm): void => setGuestCr0(vm, vm.guestCr0() & ~CR0_TS);

/** LMSW: bits 3:0 from the source, PE can be set but not cleared (Vol. 2A LMSW). */
export const lmsw = (vm: Vm, src: bigint): void => {
  const old = vm.guestCr0();
  setGuestCr0(vm, (old & ~0xen) | (src & 0xfn) | (old & CR0.PE));
};

const CR4_PAGING = (1n << 4n) | (1n << 5n) | (1n << 7n) | (1n << 17n) | (1n << 20n); // PSE, PAE, PGE, PCIDE, SMEP

/** The CR4 bits the VMM owns: the fixed ones, and under shadow paging the paging-mode bits. */
export const cr4MaskFor = (vm: Vm): bigint =>
  (vm.cr4Fixed0 | ~vm.cr4Fixed1 | (vm.config.memory === 'shadow' ? CR4_PAGING : 0n)) & 0xffff_ffff_ffff_ffffn;

export const movToCr4 = (vm: Vm, src: bigint): boolean => {
  const old = vm.guestCr4();
  const v = src;
  if (vm.guestLongMode() && ((v >> 5n) & 1n) === 0n) return false;
  if (((v >> 17n) & 1n) === 1n && ((old >> 17n) & 1n) === 0n && (!vm.guestLongMode() || (guestCr3(vm) & 0xfffn) !== 0n)) return false;
  const supported = vm.guestCaps.cr4Fixed1;
  if ((v & ~supported) !== 0n) return false;
  if (usesPae(vm.guestCr0(), v, vm.f('GUEST_IA32_EFER')) && cr4ReloadsPdptes(old, v) && !loadPdptes(vm, guestCr3(vm))) return false;
  vm.w('CR4_READ_SHADOW', v);
  vm.w('GUEST_CR4', (v | vm.cr4Fixed0) & vm.cr4Fixed1);
  if (vm.config.memory === 'shadow' && ((old ^ v) & CR4_PAGING) !== 0n) flushShadow(vm);
  return true;
};

/** MOV to CR3 under shadow paging: the guest's CR3 is the VMM's; the processor keeps the shadow root. */
export const movToCr3 = (vm: Vm, src: bigint): boolean => {
  if ((src >> vm.guestCaps.maxPhysAddr) !== 0n) return false;
  if (usesPae(vm.guestCr0(), vm.guestCr4(), vm.f('GUEST_IA32_EFER')) && !loadPdptes(vm, src)) return false;
  vm.vCr3 = src;
  flushShadow(vm);
  return true;
};

export const movToCr8 = (vm: Vm, src: bigint): boolean => {
  if ((src >> 4n) !== 0n) return false;
  vm.vTpr = src;
  return true;
};
