/**
 * The architectural state a VT-x step reads and writes (SDM Vol. 3C ch. 23–26): whether the logical
 * processor is in VMX operation, the VMXON and current-VMCS pointers, every VMCS region it knows
 * (launch state and contents, keyed by physical address), the registers the VMX instructions
 * consult, and the sparse physical memory the VM-entry checks read (MSR-load lists, the
 * virtual-APIC page, the VMCS link-pointer target, PDPTEs).
 *
 * VMCS contents are a compact image: two unsigned 32-bit halves per field (lo at 2i, hi at 2i+1,
 * i = FIELD_INDEX[name]). The model evaluates hundreds of checks per VM entry and bigint arithmetic
 * costs ~12x more than 32-bit number arithmetic on V8 (measured; see README "Performance").
 * Everything else is bigint: it is read a few times per step.
 */
import { FIELD_COUNT, FIELD_INDEX, FIELD_BY_NAME, fieldBits } from './vmcs/encoding.js';
import type { FieldName } from './vmcs/fields.js';

export type VmxMode = 'outside' | 'root' | 'non-root';
export type LaunchState = 'clear' | 'launched';

/** Two 32-bit halves per VMCS field, in FIELD_INDEX order. Never mutated: writers copy. */
export type VmcsImage = readonly number[];

export interface VmcsRegion {
  readonly launchState: LaunchState;
  readonly fields: VmcsImage;
}

export interface SegmentRegister {
  readonly selector: number;
  readonly base: bigint;
  readonly limit: number;
  readonly accessRights: number;
}

export type SegmentName = 'es' | 'cs' | 'ss' | 'ds' | 'fs' | 'gs' | 'ldtr' | 'tr';
export const SEGMENT_NAMES: readonly SegmentName[] = ['es', 'cs', 'ss', 'ds', 'fs', 'gs', 'ldtr', 'tr'];
export type SegmentRegisters = Readonly<Record<SegmentName, SegmentRegister>>;

export interface DescriptorTableRegister {
  readonly base: bigint;
  readonly limit: number;
}

/** §24.4.2 activity states: 0 active, 1 HLT, 2 shutdown, 3 wait-for-SIPI. */
export type ActivityState = 'active' | 'hlt' | 'shutdown' | 'wait-for-sipi';
export const ACTIVITY_STATE_NUMBER: Readonly<Record<ActivityState, number>> = { active: 0, hlt: 1, shutdown: 2, 'wait-for-sipi': 3 };

/**
 * Events recognised by the processor but not yet delivered (an interrupt-controller abstraction:
 * the highest-priority pending external interrupt's vector, and one latch each for NMI, INIT, SIPI).
 */
export interface PendingEvents {
  readonly extint: number | null;
  readonly nmi: boolean;
  readonly init: boolean;
  readonly sipi: number | null;
}

export const NO_PENDING_EVENTS: PendingEvents = { extint: null, nmi: false, init: false, sipi: null };

/** The registers of the logical processor that the modelled steps read or load. */
export interface CpuRegisters {
  readonly cr0: bigint;
  readonly cr3: bigint;
  readonly cr4: bigint;
  readonly dr7: bigint;
  readonly rsp: bigint;
  readonly rip: bigint;
  readonly rflags: bigint;
  /** IA32_EFER (MSR C0000080H). */
  readonly efer: bigint;
  readonly cpl: number;
  /** CS.L: with EFER.LMA it decides between 64-bit and compatibility mode. */
  readonly csL: boolean;
  readonly inSmm: boolean;
  readonly inSmx: boolean;
  readonly a20m: boolean;
  /** Blocking by MOV SS / POP SS is in effect for this instruction (§26.1, error 26). */
  readonly blockingByMovSs: boolean;
  /** Other MSRs by index (IA32_FEATURE_CONTROL 3AH, IA32_SYSENTER_*, IA32_PAT, ...). */
  readonly msrs: ReadonlyMap<number, bigint>;
  // --- what guests compute with and VMX non-root operation reads (§25–27) ---
  /**
   * RAX … R15, indexed as in the instruction-information field (Table 27-8). VM exits keep them (§27.3).
   * Register 4 is RSP, kept in `rsp` above: gpr[4] is not used (instructions naming register 4 use `rsp`).
   */
  readonly gpr: readonly bigint[];
  readonly cr2: bigint;
  /** CR8: the task-priority class, bits 3:0 (Vol. 3A §10.8.6.1). */
  readonly cr8: bigint;
  /** DR0–DR3 (index 0–3); DR6 separately; DR7 above. */
  readonly dr: readonly bigint[];
  readonly dr6: bigint;
  readonly segments: SegmentRegisters;
  readonly gdtr: DescriptorTableRegister;
  readonly idtr: DescriptorTableRegister;
  /** Interruptibility (§24.4.2, Table 24-3); blockingByMovSs above. With "virtual NMIs" = 1 in non-root operation, blockingByNmi is virtual-NMI blocking. */
  readonly blockingBySti: boolean;
  readonly blockingBySmi: boolean;
  readonly blockingByNmi: boolean;
  readonly activity: ActivityState;
  /** Pending debug exceptions (§24.4.2, Table 24-4). */
  readonly pendingDebug: bigint;
  /** The time-stamp counter (RDTSC without offsetting or scaling). */
  readonly tsc: bigint;
  /**
   * PDPTE0–3, the internal registers PAE paging translates through (Vol. 3A §4.4.1): loaded by MOV to
   * CR0/CR3/CR4 (PAGING.PAE.LOAD), by VM entry (ENTRY.LOAD.PDPTE) and by a VM exit to a PAE host
   * (VMEXIT.HOST.PDPTE), not by writes to the table in memory. Meaningful only while PAE paging is in use.
   */
  readonly pdpte: readonly bigint[];
  readonly pending: PendingEvents;
}

export interface VtxState {
  readonly vmx: VmxMode;
  readonly cpu: CpuRegisters;
  /** Physical address of the VMXON region while in VMX operation. */
  readonly vmxonPointer: bigint | null;
  /** null stands for FFFFFFFF_FFFFFFFFH, "no current VMCS". */
  readonly currentVmcs: bigint | null;
  /** Dual-monitor treatment of SMIs and SMM is active (VMXOFF error 23; §34.15). */
  readonly dualMonitorActive: boolean;
  readonly vmcs: ReadonlyMap<bigint, VmcsRegion>;
  /** Sparse physical memory: 64-bit words at 8-byte-aligned addresses; absent words read as 0. */
  readonly memory: ReadonlyMap<bigint, bigint>;
}

export const NO_CURRENT_VMCS = 0xffff_ffff_ffff_ffffn;

export const MSR = {
  IA32_FEATURE_CONTROL: 0x3a,
  IA32_SYSENTER_CS: 0x174,
  IA32_SYSENTER_ESP: 0x175,
  IA32_SYSENTER_EIP: 0x176,
  IA32_DEBUGCTL: 0x1d9,
  IA32_PAT: 0x277,
  IA32_PERF_GLOBAL_CTRL: 0x38f,
  IA32_BNDCFGS: 0xd90,
  IA32_EFER: 0xc0000080,
  IA32_FS_BASE: 0xc0000100,
  IA32_GS_BASE: 0xc0000101,
} as const;

// --- compact VMCS image helpers (pure; used at the process boundary and by tests) ---

export const emptyVmcsImage = (): VmcsImage => new Array<number>(FIELD_COUNT * 2).fill(0);

const mask = (bits: 16 | 32 | 64): bigint => (bits === 64 ? 0xffff_ffff_ffff_ffffn : (1n << BigInt(bits)) - 1n);

export const readField = (image: VmcsImage, name: FieldName): bigint => {
  const i = FIELD_INDEX[name] * 2;
  return (BigInt(image[i + 1]!) << 32n) | BigInt(image[i]!);
};

/** Returns a new image with `name` set to `value` truncated to the field's width. */
export const writeField = (image: VmcsImage, name: FieldName, value: bigint): VmcsImage => {
  const spec = FIELD_BY_NAME.get(name)!;
  const v = value & mask(fieldBits(spec.encoding));
  const next = image.slice();
  next[spec.index * 2] = Number(v & 0xffff_ffffn);
  next[spec.index * 2 + 1] = Number(v >> 32n);
  return next;
};

export const writeFields = (image: VmcsImage, values: Partial<Record<FieldName, bigint>>): VmcsImage => {
  const next = image.slice();
  for (const [name, value] of Object.entries(values) as [FieldName, bigint][]) {
    const spec = FIELD_BY_NAME.get(name)!;
    const v = value & mask(fieldBits(spec.encoding));
    next[spec.index * 2] = Number(v & 0xffff_ffffn);
    next[spec.index * 2 + 1] = Number(v >> 32n);
  }
  return next;
};

export const readMemory64 = (memory: ReadonlyMap<bigint, bigint>, address: bigint): bigint =>
  memory.get(address & ~7n) ?? 0n;

/** A 32-bit read at a 4-byte-aligned physical address from the sparse 64-bit memory. */
export const readMemory32 = (memory: ReadonlyMap<bigint, bigint>, address: bigint): bigint => {
  const word = readMemory64(memory, address);
  return (address & 4n) === 0n ? word & 0xffff_ffffn : word >> 32n;
};

export const readMemory8 = (memory: ReadonlyMap<bigint, bigint>, address: bigint): number =>
  Number((readMemory64(memory, address) >> (8n * (address & 7n))) & 0xffn);
