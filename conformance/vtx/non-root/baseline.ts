/**
 * A guest running in VMX non-root operation: the state right after a successful VMLAUNCH of the
 * 'ia32e' VM-entry baseline (../baseline.ts), with the guest's memory laid out so that it can take
 * faults and interrupts through its own IDT. Built from spec/ data only (no model/), so that model,
 * reference CPU and their tests start from the same place. Witnesses edit controls, bitmaps and
 * registers of this state.
 *
 * Physical memory (no EPT: guest-physical = host-physical; with EPT the tables below map the first
 * 16 MiB one-to-one, read/write/execute, write-back):
 * 0x1000 VMXON region · 0x2000 VMCS · 0x4000 guest PML4 · 0x5000 PDPT · 0x6000 PD (2 MiB pages,
 * first 16 MiB identity, A and D set) · 0x7000 GDT · 0x9000 IDT (256 64-bit interrupt gates to 0x100000 + 16·v)
 * · 0xA000 64-bit TSS (RSP0 = 0x20000, no I/O permission bitmap) · 0xB000 I/O bitmap A · 0xC000 I/O bitmap B · 0xD000 MSR
 * bitmaps · 0xE000 virtual-APIC page · 0x10000 EPT PML4 · 0x11000 EPT PDPT · 0x12000 EPT PD.
 */
import type { VtxProfile } from '../../../spec/vtx/profile.js';
import {
  SEGMENT_NAMES, writeFields, type CpuRegisters, type SegmentRegisters, type VmcsRegion, type VtxState,
} from '../../../spec/vtx/state.js';
import type { FieldName } from '../../../spec/vtx/vmcs/fields.js';
import { readField } from '../../../spec/vtx/state.js';
import { flatDescriptor, interruptGate64, tssDescriptor64 } from '../../../spec/x86/descriptors.js';
import { baselineState, EPT_PML4, VMCS_REGION } from '../baseline.js';

export const GUEST_LAYOUT = {
  pml4: 0x4000n, pdpt: 0x5000n, pd: 0x6000n,
  gdt: 0x7000n, gdtLimit: 0x7f,
  idt: 0x9000n, idtLimit: 0xfff,
  tss: 0xa000n, rsp0: 0x20000n,
  ioBitmapA: 0xb000n, ioBitmapB: 0xc000n, msrBitmap: 0xd000n, virtualApic: 0xe000n,
  eptPml4: EPT_PML4, eptPdpt: 0x11000n, eptPd: 0x12000n,
  /** Handler of vector v: HANDLERS + 16·v. */
  handlers: 0x10_0000n,
  rip: 0x40_0000n, rsp: 0x18000n,
} as const;

/** Selectors of the guest GDT: 64-bit kernel code/data, the TSS, and SYSEXIT's user code/data (SYSENTER_CS + 32/40). */
export const GUEST_SELECTORS = { kernelCode: 0x08, kernelData: 0x10, tss: 0x18, userCode: 0x28, userData: 0x30, availableTss: 0x38 } as const;

// Accessed and dirty already set, so that ordinary guest accesses do not write the paging structures
// (with EPT those writes need write permission, and with EPTP[6] = 1 every walk counts as one, §28.2.4).
const P = 1n, RW = 2n, US = 4n, A = 1n << 5n, D = 1n << 6n, PS = 1n << 7n;
const WORDS_16MIB = 8; // 2 MiB pages


/** Vectors a CPL-3 guest may reach with INT3, INTO and INT n (gate DPL 3); others DPL 0 (#GP at CPL 3, Vol. 3A §6.12.1.1). */
const USER_VECTORS = new Set([3, 4, 0x80]);

const guestMemory = (): Map<bigint, bigint> => {
  const L = GUEST_LAYOUT;
  const m = new Map<bigint, bigint>();
  m.set(L.pml4, L.pdpt | P | RW | US | A);
  m.set(L.pdpt, L.pd | P | RW | US | A);
  for (let i = 0; i < WORDS_16MIB; i++) m.set(L.pd + BigInt(8 * i), (BigInt(i) << 21n) | P | RW | US | A | D | PS);
  // EPT: read/write/execute (bits 2:0), memory type WB (6) in bits 5:3 of leaf entries.
  m.set(L.eptPml4, L.eptPdpt | 7n);
  m.set(L.eptPdpt, L.eptPd | 7n);
  for (let i = 0; i < WORDS_16MIB; i++) m.set(L.eptPd + BigInt(8 * i), (BigInt(i) << 21n) | 7n | (6n << 3n) | PS);
  const gdt: [number, bigint][] = [
    [GUEST_SELECTORS.kernelCode, flatDescriptor(0xb, 0, true, false)],
    [GUEST_SELECTORS.kernelData, flatDescriptor(0x3, 0, false, true)],
    [GUEST_SELECTORS.userCode, flatDescriptor(0xb, 3, true, false)],
    [GUEST_SELECTORS.userData, flatDescriptor(0x3, 3, false, true)],
  ];
  for (const [sel, d] of gdt) m.set(L.gdt + BigInt(sel), d);
  // 64-bit TSS descriptor (16 bytes): base TSS, limit 67H, type 11 (busy), present.
  const [busyLo, busyHi] = tssDescriptor64(L.tss, 0x67n, 11);
  m.set(L.gdt + BigInt(GUEST_SELECTORS.tss), busyLo);
  m.set(L.gdt + BigInt(GUEST_SELECTORS.tss) + 8n, busyHi);
  // A second, available (type 9) TSS descriptor: the target a task switch can name (a busy one is #GP).
  const [availableLo, availableHi] = tssDescriptor64(L.tss, 0x67n, 9);
  m.set(L.gdt + BigInt(GUEST_SELECTORS.availableTss), availableLo);
  m.set(L.gdt + BigInt(GUEST_SELECTORS.availableTss) + 8n, availableHi);
  for (let v = 0; v < 256; v++) {
    const [lo, hi] = interruptGate64(L.handlers + BigInt(16 * v), GUEST_SELECTORS.kernelCode, USER_VECTORS.has(v) ? 3 : 0);
    m.set(L.idt + BigInt(16 * v), lo);
    m.set(L.idt + BigInt(16 * v) + 8n, hi);
  }
  // TSS.RSP0 is at offset 4 (Vol. 3A §7.7): bits 63:32 of the first word, 31:0 of the second.
  m.set(L.tss, (L.rsp0 & 0xffff_ffffn) << 32n);
  m.set(L.tss + 8n, L.rsp0 >> 32n);
  // I/O map base (offset 66H) = 68H, past the limit: no I/O permission bitmap, so I/O at CPL > IOPL is #GP (Vol. 1 §18.5.2).
  m.set(L.tss + 0x60n, 0x68n << 48n);
  return m;
};

const GUEST_FIELDS: Partial<Record<FieldName, bigint>> = {
  GUEST_CR3: GUEST_LAYOUT.pml4,
  GUEST_RIP: GUEST_LAYOUT.rip,
  GUEST_RSP: GUEST_LAYOUT.rsp,
  GUEST_GDTR_BASE: GUEST_LAYOUT.gdt,
  GUEST_GDTR_LIMIT: BigInt(GUEST_LAYOUT.gdtLimit),
  GUEST_IDTR_BASE: GUEST_LAYOUT.idt,
  GUEST_IDTR_LIMIT: BigInt(GUEST_LAYOUT.idtLimit),
  GUEST_TR_BASE: GUEST_LAYOUT.tss,
  IO_BITMAP_A: GUEST_LAYOUT.ioBitmapA,
  IO_BITMAP_B: GUEST_LAYOUT.ioBitmapB,
  MSR_BITMAP: GUEST_LAYOUT.msrBitmap,
  VIRTUAL_APIC_PAGE_ADDR: GUEST_LAYOUT.virtualApic,
};

const SEGMENT_PREFIX = { es: 'ES', cs: 'CS', ss: 'SS', ds: 'DS', fs: 'FS', gs: 'GS', ldtr: 'LDTR', tr: 'TR' } as const;

/** The guest registers as VM entry loads them from the guest-state area (§26.3.2), computed from the fields directly. */
const guestCpu = (host: CpuRegisters, region: VmcsRegion): CpuRegisters => {
  const f = (n: FieldName): bigint => readField(region.fields, n);
  const segments = Object.fromEntries(SEGMENT_NAMES.map((s) => {
    const p = SEGMENT_PREFIX[s];
    return [s, {
      selector: Number(f(`GUEST_${p}_SELECTOR` as FieldName)), base: f(`GUEST_${p}_BASE` as FieldName),
      limit: Number(f(`GUEST_${p}_LIMIT` as FieldName)), accessRights: Number(f(`GUEST_${p}_AR_BYTES` as FieldName)),
    }];
  })) as SegmentRegisters;
  return {
    ...host,
    cr0: f('GUEST_CR0'), cr3: f('GUEST_CR3'), cr4: f('GUEST_CR4'), dr7: f('GUEST_DR7'),
    rsp: f('GUEST_RSP'), rip: f('GUEST_RIP'), rflags: f('GUEST_RFLAGS'),
    efer: 0xd00n | 0x500n, // IA-32e mode guest: LME and LMA set (§26.3.2.1), NXE kept from the host
    cpl: 0, csL: true, blockingByMovSs: false,
    segments,
    gdtr: { base: f('GUEST_GDTR_BASE'), limit: Number(f('GUEST_GDTR_LIMIT')) },
    idtr: { base: f('GUEST_IDTR_BASE'), limit: Number(f('GUEST_IDTR_LIMIT')) },
    blockingBySti: false, blockingBySmi: false, blockingByNmi: false, activity: 'active', pendingDebug: 0n,
  };
};

/**
 * The guest after VMLAUNCH of the 'ia32e' baseline on `profile`: VMX non-root operation, launched
 * VMCS, guest registers loaded, guest memory laid out as above. Every VM-execution control is at its
 * minimal legal setting (no exits beyond the unconditional ones).
 */
export const nonRootBaseline = (profile: VtxProfile): VtxState => {
  const root = baselineState(profile, 'ia32e');
  const region = root.vmcs.get(VMCS_REGION)!;
  const launched: VmcsRegion = { launchState: 'launched', fields: writeFields(region.fields, GUEST_FIELDS) };
  const memory = new Map(root.memory);
  for (const [a, v] of guestMemory()) memory.set(a, v);
  return {
    ...root,
    vmx: 'non-root',
    cpu: guestCpu(root.cpu, launched),
    vmcs: new Map([[VMCS_REGION, launched]]),
    memory,
  };
};

/** `state` with fields of the current VMCS replaced. */
export const withVmcs = (state: VtxState, values: Partial<Record<FieldName, bigint>>): VtxState => {
  const at = state.currentVmcs!;
  const region = state.vmcs.get(at)!;
  return { ...state, vmcs: new Map(state.vmcs).set(at, { ...region, fields: writeFields(region.fields, values) }) };
};

/** `state` with CPU registers replaced. */
export const withCpu = (state: VtxState, cpu: Partial<CpuRegisters>): VtxState => ({ ...state, cpu: { ...state.cpu, ...cpu } });

/** `state` with 64-bit words of physical memory replaced. */
export const withMemory = (state: VtxState, words: Iterable<readonly [bigint, bigint]>): VtxState => {
  const memory = new Map(state.memory);
  for (const [a, v] of words) memory.set(a & ~7n, v);
  return { ...state, memory };
};
