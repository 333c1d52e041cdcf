/**
 * The VM-exit MSR-store list (§27.4) and the VM-exit MSR-load list (§27.6): 16-byte entries (bits
 * 31:0 index, 63:32 reserved, 127:64 data), processed in order. A failing entry is a VMX abort
 * (indicator 1 for the store list, 4 for the load list, §27.7).
 */
import type { Capabilities } from '../capabilities.js';
import type { Machine, VmcsData } from '../machine.js';
import { readMsr, wrmsrAccepted, writeMsr } from '../non-root/msr-access.js';

const x2apic = (index: number): boolean => index >>> 8 === 0x8;

/** §27.4: stores each listed MSR's value in bits 127:64 of its entry; false on the first failure. */
export const storeExitMsrs = (m: Machine, vmcs: VmcsData): boolean => {
  const count = vmcs.get('VM_EXIT_MSR_STORE_COUNT');
  const base = vmcs.get('VM_EXIT_MSR_STORE_ADDR');
  for (let i = 0n; i < count; i++) {
    const head = m.read64(base + 16n * i);
    const index = Number(head & 0xffff_ffffn);
    if (x2apic(index) || (index === 0x9e && !m.cpu.inSmm) || (head >> 32n) !== 0n) return false;
    const value = readMsr(m, index);
    if (value === null) return false;
    m.write64(base + 16n * i + 8n, value);
  }
  return true;
};

/** §27.6: loads each listed MSR as WRMSR would; false on the first failure. */
export const loadExitMsrs = (m: Machine, caps: Capabilities, vmcs: VmcsData): boolean => {
  const count = vmcs.get('VM_EXIT_MSR_LOAD_COUNT');
  const base = vmcs.get('VM_EXIT_MSR_LOAD_ADDR');
  for (let i = 0n; i < count; i++) {
    const head = m.read64(base + 16n * i);
    const data = m.read64(base + 16n * i + 8n);
    const index = Number(head & 0xffff_ffffn);
    if (index === 0xc000_0100 || index === 0xc000_0101 || x2apic(index)) return false;
    if (caps.profile.choices.msrLoadRejected.includes(index) || (head >> 32n) !== 0n) return false;
    if (!wrmsrAccepted(m, caps, index, data)) return false;
    writeMsr(m, index, data);
  }
  return true;
};
