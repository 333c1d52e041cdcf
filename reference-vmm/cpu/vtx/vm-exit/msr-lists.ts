/**
 * The VM-exit MSR-store list (§27.4) and the VM-exit MSR-load list (§27.6): 16-byte entries (bits
 * 31:0 index, 63:32 reserved, 127:64 data), processed in order. A failing entry is a VMX abort
 * (indicator 1 for the store list, 4 for the load list, §27.7).
 */
import type { Capabilities } from '../capabilities.js';
import type { Machine, VmcsData } from '../machine.js';
import { readMsr, wrmsrAccepted, writeMsr } from '../non-root/msr-access.js';

const x2apic = (index: number): boolean => index >>> 8 === 0x8;

/**
 * §27.4: stores each listed MSR's value, as RDMSR reads it, in bits 127:64 of its entry, in order
 * (VMEXIT.MSR_STORE); false on the first failure: an x2APIC MSR (VMEXIT.MSR_STORE.X2APIC), IA32_SMBASE
 * (9EH) outside SMM (VMEXIT.MSR_STORE.SMMONLY), an MSR the profile refuses for model-specific reasons
 * (choices.msrLoadRejected, VMEXIT.MSR_STORE.MODEL), bits 63:32 not 0 (VMEXIT.MSR_STORE.RSVD), an MSR
 * RDMSR would #GP on (VMEXIT.MSR_STORE.RDMSR).
 */
export const storeExitMsrs = (m: Machine, caps: Capabilities, vmcs: VmcsData): boolean => {
  const count = vmcs.get('VM_EXIT_MSR_STORE_COUNT');
  const base = vmcs.get('VM_EXIT_MSR_STORE_ADDR');
  for (let i = 0n; i < count; i++) {
    const head = m.read64(base + 16n * i);
    const index = Number(head & 0xffff_ffffn);
    if (x2apic(index) || (index === 0x9e && !m.cpu.inSmm) || (head >> 32n) !== 0n) return false;
    if (caps.profile.choices.msrLoadRejected.includes(index)) return false;
    const value = readMsr(m, index);
    if (value === null) return false;
    m.write64(base + 16n * i + 8n, value);
  }
  return true;
};

/**
 * §27.6: loads each listed MSR in order as WRMSR would, after host state, so overriding it
 * (VMEXIT.MSR_LOAD); false on the first failure: IA32_FS_BASE or IA32_GS_BASE (VMEXIT.MSR_LOAD.FSGSBASE),
 * an x2APIC MSR (VMEXIT.MSR_LOAD.X2APIC), an MSR the profile refuses (VMEXIT.MSR_LOAD.MODEL), bits 63:32
 * not 0 (VMEXIT.MSR_LOAD.RSVD), a write WRMSR at CPL 0 would #GP on with the host state just loaded
 * (VMEXIT.MSR_LOAD.WRMSR) — which includes IA32_SMM_MONITOR_CTL outside SMM, the 'smm-only' rule of
 * spec/x86/msrs.ts (VMEXIT.MSR_LOAD.SMMONLY).
 */
export const loadExitMsrs = (m: Machine, caps: Capabilities, vmcs: VmcsData): boolean => {
  const count = vmcs.get('VM_EXIT_MSR_LOAD_COUNT');
  const base = vmcs.get('VM_EXIT_MSR_LOAD_ADDR');
  for (let i = 0n; i < count; i++) {
    const head = m.read64(base + 16n * i);
    const data = m.read64(base + 16n * i + 8n);
    const index = Number(head & 0xffff_ffffn);
    if (index === 0xc000_0100 || index === 0xc000_0101 || x2apic(index)) return false;
    if (caps.profile.choices.msrLoadRejected.includes(index) || (head >> 32n) !== 0n) return false;
    if (!wrmsrAccepted(m.cpu, caps, index, data)) return false;
    writeMsr(m, index, data);
  }
  return true;
};
