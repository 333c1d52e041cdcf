/**
 * The reference CPU's mutable machine state. Everything the shared immutable VtxState holds, copied
 * into plain mutable structures: registers in one object, each VMCS region as a Map from field name
 * to its full bigint value (absent = 0), physical memory as a Map of 64-bit words.
 *
 * This is deliberately a different representation from the compact two-halves image of spec/: the
 * reference CPU is a second, independent reading of the SDM.
 */
import {
  FIELD_BY_NAME, FIELD_COUNT, fieldBits,
} from '../../../spec/vtx/vmcs/encoding.js';
import type { FieldName } from '../../../spec/vtx/vmcs/fields.js';
import type {
  ActivityState, CpuRegisters, LaunchState, SegmentName, VmcsImage, VmcsRegion, VmxMode, VtxState,
} from '../../../spec/vtx/state.js';

/** A segment register: selector and the hidden part, access rights in the VMCS format (bit 16 = unusable). */
export interface Segment {
  selector: number;
  base: bigint;
  limit: number;
  accessRights: number;
}

export interface TableRegister {
  base: bigint;
  limit: number;
}

/** Events latched by the processor and not yet taken (one external-interrupt vector, NMI, INIT, SIPI). */
export interface Pending {
  extint: number | null;
  nmi: boolean;
  init: boolean;
  sipi: number | null;
}

export interface Registers {
  cr0: bigint;
  cr3: bigint;
  cr4: bigint;
  dr7: bigint;
  rsp: bigint;
  rip: bigint;
  rflags: bigint;
  efer: bigint;
  cpl: number;
  csL: boolean;
  inSmm: boolean;
  inSmx: boolean;
  a20m: boolean;
  blockingByMovSs: boolean;
  msrs: Map<number, bigint>;
  /** RAX … R15. Register 4 (RSP) lives in `rsp`: instruction operands naming register 4 use it. */
  gpr: bigint[];
  cr2: bigint;
  cr8: bigint;
  dr: bigint[];
  dr6: bigint;
  segments: Record<SegmentName, Segment>;
  gdtr: TableRegister;
  idtr: TableRegister;
  blockingBySti: boolean;
  blockingBySmi: boolean;
  /** NMI blocking, or virtual-NMI blocking when "virtual NMIs" = 1 in VMX non-root operation. */
  blockingByNmi: boolean;
  activity: ActivityState;
  pendingDebug: bigint;
  tsc: bigint;
  /** PDPTE0-3 of PAE paging (Vol. 3A §4.4.1). */
  pdpte: bigint[];
  pending: Pending;
}

const SEGMENT_KEYS: readonly SegmentName[] = ['es', 'cs', 'ss', 'ds', 'fs', 'gs', 'ldtr', 'tr'];

/** A deep copy: the machine's own mutable registers from a state's, and a state's from the machine's. */
const copyRegisters = (c: CpuRegisters): Registers => {
  const segments = {} as Record<SegmentName, Segment>;
  for (const k of SEGMENT_KEYS) segments[k] = { ...c.segments[k] };
  return {
    cr0: c.cr0, cr3: c.cr3, cr4: c.cr4, dr7: c.dr7, rsp: c.rsp, rip: c.rip, rflags: c.rflags,
    efer: c.efer, cpl: c.cpl, csL: c.csL, inSmm: c.inSmm, inSmx: c.inSmx, a20m: c.a20m,
    blockingByMovSs: c.blockingByMovSs, msrs: new Map(c.msrs),
    gpr: [...c.gpr], cr2: c.cr2, cr8: c.cr8, dr: [...c.dr], dr6: c.dr6, segments,
    gdtr: { ...c.gdtr }, idtr: { ...c.idtr },
    blockingBySti: c.blockingBySti, blockingBySmi: c.blockingBySmi, blockingByNmi: c.blockingByNmi,
    activity: c.activity, pendingDebug: c.pendingDebug, tsc: c.tsc, pdpte: [...c.pdpte], pending: { ...c.pending },
  };
};

/** One VMCS region as the reference CPU keeps it. */
export class VmcsData {
  launched: boolean;
  readonly values = new Map<FieldName, bigint>();
  /** The image it was loaded from, reused by snapshot() while nothing changed. */
  private original: VmcsImage | null;

  constructor(launched: boolean, image: VmcsImage | null) {
    this.launched = launched;
    this.original = image;
    if (image !== null) {
      for (const [name, spec] of FIELD_BY_NAME) {
        const lo = image[spec.index * 2] ?? 0;
        const hi = image[spec.index * 2 + 1] ?? 0;
        if (lo !== 0 || hi !== 0) this.values.set(name as FieldName, (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0));
      }
    }
  }

  get(name: FieldName): bigint {
    return this.values.get(name) ?? 0n;
  }

  /** Stores `value` truncated to the width of the field (16, 32 or 64 bits). */
  set(name: FieldName, value: bigint): void {
    const bits = fieldBits(FIELD_BY_NAME.get(name)!.encoding);
    this.values.set(name, value & ((1n << BigInt(bits)) - 1n));
    this.original = null;
  }

  toRegion(): VmcsRegion {
    const launchState: LaunchState = this.launched ? 'launched' : 'clear';
    if (this.original !== null) return { launchState, fields: this.original };
    const image = new Array<number>(FIELD_COUNT * 2).fill(0);
    for (const [name, value] of this.values) {
      const i = FIELD_BY_NAME.get(name)!.index * 2;
      image[i] = Number(value & 0xffff_ffffn);
      image[i + 1] = Number(value >> 32n);
    }
    this.original = image;
    return { launchState, fields: image };
  }
}

const EMPTY_VMCS = new VmcsData(false, null);

export class Machine {
  vmx: VmxMode;
  readonly cpu: Registers;
  vmxonPointer: bigint | null;
  currentVmcs: bigint | null;
  dualMonitorActive: boolean;
  readonly vmcs = new Map<bigint, VmcsData>();
  readonly memory: Map<bigint, bigint>;

  constructor(state: VtxState) {
    this.vmx = state.vmx;
    this.cpu = copyRegisters(state.cpu);
    this.vmxonPointer = state.vmxonPointer;
    this.currentVmcs = state.currentVmcs;
    this.dualMonitorActive = state.dualMonitorActive;
    for (const [address, region] of state.vmcs) {
      this.vmcs.set(address, new VmcsData(region.launchState === 'launched', region.fields));
    }
    this.memory = new Map(state.memory);
  }

  /**
   * The VMCS data of the region at `address`. A region the state does not list yet is created on
   * first use with every field 0 and launch state clear (concrete choice: the SDM leaves the contents
   * of a never-cleared region undefined).
   */
  region(address: bigint): VmcsData {
    let r = this.vmcs.get(address);
    if (r === undefined) {
      r = new VmcsData(false, null);
      this.vmcs.set(address, r);
    }
    return r;
  }

  /** The region at `address` for reading: a region never written reads as all-zero and clear. */
  peek(address: bigint): VmcsData {
    return this.vmcs.get(address) ?? EMPTY_VMCS;
  }

  /** The current VMCS for writing, or null when the current-VMCS pointer is FFFFFFFF_FFFFFFFFH. */
  current(): VmcsData | null {
    return this.currentVmcs === null ? null : this.region(this.currentVmcs);
  }

  read64(address: bigint): bigint {
    return this.memory.get(address & ~7n) ?? 0n;
  }

  read32(address: bigint): bigint {
    const word = this.read64(address);
    return (address & 4n) === 0n ? word & 0xffff_ffffn : word >> 32n;
  }

  read8(address: bigint): number {
    return Number((this.read64(address) >> (8n * (address & 7n))) & 0xffn);
  }

  write64(address: bigint, value: bigint): void {
    this.memory.set(address & ~7n, value & 0xffff_ffff_ffff_ffffn);
  }

  /** Writes `bytes` bytes of `value` at `address` (within one 64-bit word). */
  writeBytes(address: bigint, bytes: number, value: bigint): void {
    const shift = 8n * (address & 7n);
    const mask = ((1n << BigInt(8 * bytes)) - 1n) << shift;
    const word = this.read64(address);
    this.write64(address, (word & ~mask) | ((value << shift) & mask));
  }

  /** Reads `bytes` bytes at `address` (within one 64-bit word), zero-extended. */
  readBytes(address: bigint, bytes: number): bigint {
    return (this.read64(address) >> (8n * (address & 7n))) & ((1n << BigInt(8 * bytes)) - 1n);
  }

  msr(index: number): bigint {
    return this.cpu.msrs.get(index) ?? 0n;
  }

  snapshot(): VtxState {
    const vmcs = new Map<bigint, VmcsRegion>();
    for (const [address, data] of this.vmcs) vmcs.set(address, data.toRegion());
    return {
      vmx: this.vmx,
      cpu: copyRegisters(this.cpu),
      vmxonPointer: this.vmxonPointer,
      currentVmcs: this.currentVmcs,
      dualMonitorActive: this.dualMonitorActive,
      vmcs,
      memory: new Map(this.memory),
    };
  }
}
