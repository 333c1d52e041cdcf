/**
 * What every VM-entry check reads: the current VMCS, the capabilities, the processor, and the
 * control vectors as they take effect (secondary controls read as 0 unless primary bit 31 activates
 * them; tertiary unless primary bit 17; secondary VM-exit controls unless exit bit 31).
 *
 * A check is a function returning the catalog ID of the first rule it finds broken, or null.
 */
import { CONTROLS, type ControlName, type ControlVector } from '../../../../spec/vtx/controls.js';
import type { FieldName } from '../../../../spec/vtx/vmcs/fields.js';
import type { Capabilities } from '../capabilities.js';
import type { Machine, VmcsData } from '../machine.js';

export type Check = (c: EntryContext) => string | null;

export const bitOf = (value: bigint, n: number): boolean => ((value >> BigInt(n)) & 1n) === 1n;

export class EntryContext {
  readonly pin: bigint;
  readonly proc: bigint;
  readonly proc2: bigint;
  readonly proc3: bigint;
  readonly exit: bigint;
  readonly exit2: bigint;
  readonly entry: bigint;
  /** "IA-32e mode guest" (entry bit 9). */
  readonly ia32e: boolean;
  /** "host address-space size" (exit bit 9). */
  readonly hostAddressSpaceSize: boolean;
  /** "unrestricted guest" (secondary bit 7). */
  readonly unrestricted: boolean;
  /** Guest RFLAGS.VM: the guest will be in virtual-8086 mode. */
  readonly v86: boolean;
  /** VM-entry interruption-information field, and whether its valid bit is set. */
  readonly injection: bigint;
  readonly injecting: boolean;
  readonly injectionType: number;
  readonly injectionVector: number;

  constructor(readonly m: Machine, readonly caps: Capabilities, readonly vmcs: VmcsData, readonly launch: boolean) {
    this.pin = vmcs.get('PIN_BASED_VM_EXEC_CONTROL');
    this.proc = vmcs.get('CPU_BASED_VM_EXEC_CONTROL');
    this.proc2 = bitOf(this.proc, 31) ? vmcs.get('SECONDARY_VM_EXEC_CONTROL') : 0n;
    this.proc3 = bitOf(this.proc, 17) ? vmcs.get('TERTIARY_VM_EXEC_CONTROL') : 0n;
    this.exit = vmcs.get('VM_EXIT_CONTROLS');
    this.exit2 = bitOf(this.exit, 31) ? vmcs.get('SECONDARY_VM_EXIT_CONTROLS') : 0n;
    this.entry = vmcs.get('VM_ENTRY_CONTROLS');
    this.ia32e = bitOf(this.entry, 9);
    this.hostAddressSpaceSize = bitOf(this.exit, 9);
    this.unrestricted = bitOf(this.proc2, 7);
    this.v86 = bitOf(vmcs.get('GUEST_RFLAGS'), 17);
    this.injection = vmcs.get('VM_ENTRY_INTR_INFO_FIELD');
    this.injecting = bitOf(this.injection, 31);
    this.injectionType = Number((this.injection >> 8n) & 7n);
    this.injectionVector = Number(this.injection & 0xffn);
  }

  f(name: FieldName): bigint {
    return this.vmcs.get(name);
  }

  /** The effective setting of a control in the current VMCS. */
  on(control: ControlName): boolean {
    const spec = CONTROLS[control];
    return bitOf(this.vector(spec.vector), spec.bit);
  }

  vector(v: ControlVector): bigint {
    switch (v) {
      case 'pin': return this.pin;
      case 'proc': return this.proc;
      case 'proc2': return this.proc2;
      case 'proc3': return this.proc3;
      case 'exit': return this.exit;
      case 'exit2': return this.exit2;
      case 'entry': return this.entry;
    }
  }
}
