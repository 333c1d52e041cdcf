/**
 * Starting a guest the way a VMM does (SDM ch. 23–26): the host's own state (64-bit, paging, CR4.VMXE,
 * IA32_FEATURE_CONTROL locked with VMXON allowed), the VMXON and VMCS regions with the revision
 * identifier, VMXON, VMCLEAR, VMPTRLD, then VMWRITEs of the controls (controls.ts), the host-state
 * area (where VM exits return to), the guest-state area from the guest program's initial registers,
 * the bitmaps, the EPT tables or the shadow root, and VMLAUNCH.
 *
 * Guest registers that are not in the VMCS — the general-purpose registers, CR2, DR0–DR3, DR6 and
 * the MSRs that VM entry does not load — are the processor's own: the VMM puts the guest's values in
 * the processor before VMLAUNCH (the host state below is what the VMM's code runs with; it is never
 * executed as abstract-ISA code).
 */
import type { VtxProfile } from '../../../spec/vtx/profile.js';
import { MSR, SEGMENT_NAMES, type VtxState } from '../../../spec/vtx/state.js';
import type { FieldName } from '../../../spec/vtx/vmcs/fields.js';
import { GUEST_MEMORY_SIZE, type GuestInitialState } from '../../guests/vtx/program.js';
import type { VtxVmmConfig } from './config.js';
import { controlValues, wantedControls } from './controls.js';
import { cr4MaskFor } from './cr.js';
import { SERIAL_PORTS } from './device.js';
import { buildEpt, eptPointer } from './ept.js';
import { arm, cr0MaskFor, fixedCr0Mask, realCr0 } from './fpu.js';
import { VmmError, VmxHost } from './host.js';
import { GuestMemory } from './guest-memory.js';
import { VMM, VMM_RANGES } from './layout.js';
import { IA32_SYSENTER_CS } from './msr.js';
import { shadowRoot } from './shadow.js';
import { Vm } from './vm.js';

const PREFIX = { es: 'ES', cs: 'CS', ss: 'SS', ds: 'DS', fs: 'FS', gs: 'GS', ldtr: 'LDTR', tr: 'TR' } as const;
const ACTIVITY = { active: 0n, hlt: 1n, shutdown: 2n, 'wait-for-sipi': 3n } as const;

/**
 * The physical machine before VMXON: the guest's initial block at guestBase (words beyond it go to
 * frames backed on demand, bootVm), the host's registers.
 */
const hostMachine = (profile: VtxProfile, config: VtxVmmConfig, guest: GuestInitialState): VtxState => {
  const memory = new Map<bigint, bigint>();
  for (const [a, v] of guest.memory) if (GuestMemory.initial(a)) memory.set(config.guestBase + a, v);
  const revision = profile.msrs.IA32_VMX_BASIC & 0x7fff_ffffn;
  memory.set(VMM.vmxon, revision);
  memory.set(VMM.vmcs, revision);
  const g = guest.cpu;
  return {
    vmx: 'outside',
    cpu: {
      ...g,
      cr0: 0x8000_0033n, cr3: VMM.hostCr3, cr4: 0x2020n, efer: 0xd01n, dr7: 0x400n,
      rsp: VMM.hostRsp, rip: VMM.hostRip, rflags: 0x2n, cpl: 0, csL: true, cr8: 0n,
      msrs: new Map([...g.msrs, [MSR.IA32_FEATURE_CONTROL, 0x5n]]),
      segments: {
        es: { selector: 0x10, base: 0n, limit: 0xffff_ffff, accessRights: 0xc093 },
        cs: { selector: 0x08, base: 0n, limit: 0xffff_ffff, accessRights: 0xa09b },
        ss: { selector: 0x10, base: 0n, limit: 0xffff_ffff, accessRights: 0xc093 },
        ds: { selector: 0x10, base: 0n, limit: 0xffff_ffff, accessRights: 0xc093 },
        fs: { selector: 0x10, base: 0n, limit: 0xffff_ffff, accessRights: 0xc093 },
        gs: { selector: 0x10, base: 0n, limit: 0xffff_ffff, accessRights: 0xc093 },
        ldtr: { selector: 0, base: 0n, limit: 0, accessRights: 0x1_0000 },
        tr: { selector: 0x18, base: 0n, limit: 0x67, accessRights: 0x8b },
      },
      blockingBySti: false, blockingByMovSs: false, blockingByNmi: false, activity: 'active',
      pending: { extint: null, nmi: false, init: false, sipi: null },
    },
    vmxonPointer: null, currentVmcs: null, dualMonitorActive: false, vmcs: new Map(), memory,
  };
};

const HOST_FIELDS: Partial<Record<FieldName, bigint>> = {
  HOST_CR0: 0x8000_0033n, HOST_CR3: VMM.hostCr3, HOST_CR4: 0x2020n,
  HOST_ES_SELECTOR: 0x10n, HOST_CS_SELECTOR: 0x08n, HOST_SS_SELECTOR: 0x10n, HOST_DS_SELECTOR: 0x10n,
  HOST_FS_SELECTOR: 0x10n, HOST_GS_SELECTOR: 0x10n, HOST_TR_SELECTOR: 0x18n,
  HOST_FS_BASE: 0n, HOST_GS_BASE: 0n, HOST_TR_BASE: 0n, HOST_GDTR_BASE: 0n, HOST_IDTR_BASE: 0n,
  HOST_IA32_SYSENTER_CS: 0x08n, HOST_IA32_SYSENTER_ESP: VMM.hostRsp, HOST_IA32_SYSENTER_EIP: VMM.hostRip,
  HOST_IA32_EFER: 0xd01n, HOST_IA32_PAT: 0x0007_0406_0007_0406n,
  HOST_RSP: VMM.hostRsp, HOST_RIP: VMM.hostRip,
};

export const bootVm = (profile: VtxProfile, config: VtxVmmConfig, guest: GuestInitialState): Vm => {
  const host = new VmxHost(profile, hostMachine(profile, config, guest));
  const vm = new Vm(host, profile, config);
  vm.virtualApic = VMM.virtualApic;
  vm.sysenterCsHigh = (guest.cpu.msrs.get(MSR.IA32_SYSENTER_CS) ?? 0n) >> 32n;
  const g = guest.cpu;
  const ia32e = ((g.efer >> 10n) & 1n) === 1n;
  const block: readonly [bigint, bigint] = [config.guestBase, config.guestBase + GUEST_MEMORY_SIZE];
  if (VMM_RANGES.some(([lo, hi]) => block[0] < hi && lo < block[1])) throw new VmmError(`guestBase 0x${config.guestBase.toString(16)} puts the guest's memory over the VMM's own (layout.ts)`);
  // 32-bit shadow page tables name frames with 32 bits (shadow.ts).
  if (config.memory === 'shadow' && !ia32e && block[1] > 0x1_0000_0000n) throw new VmmError('shadow paging of a guest without IA-32e mode needs its memory below 4 GiB (guestBase)');
  for (const [a, v] of guest.memory) if (!GuestMemory.initial(a)) host.write64(vm.hpa(a), v);

  host.execute({ op: 'VMXON', operand: VMM.vmxon });
  host.execute({ op: 'VMCLEAR', operand: VMM.vmcs });
  host.execute({ op: 'VMPTRLD', operand: VMM.vmcs });

  const c = controlValues(profile, wantedControls(profile, config, ia32e));
  vm.pin = c.pin;
  vm.proc = c.proc;
  const fields: Partial<Record<FieldName, bigint>> = {
    ...HOST_FIELDS,
    PIN_BASED_VM_EXEC_CONTROL: c.pin, CPU_BASED_VM_EXEC_CONTROL: c.proc, SECONDARY_VM_EXEC_CONTROL: c.proc2,
    VM_EXIT_CONTROLS: c.exit, VM_ENTRY_CONTROLS: c.entry,
    VMCS_LINK_POINTER: 0xffff_ffff_ffff_ffffn,
    IO_BITMAP_A: VMM.ioBitmapA, IO_BITMAP_B: VMM.ioBitmapB, MSR_BITMAP: VMM.msrBitmap,
    TSC_OFFSET: 0n,
    CR3_TARGET_COUNT: 0n,
    PAGE_FAULT_ERROR_CODE_MASK: 0n, PAGE_FAULT_ERROR_CODE_MATCH: 0n,
    // Guest state (§24.4) from the guest's registers.
    GUEST_CR3: config.memory === 'ept' ? g.cr3 : shadowRoot(),
    GUEST_CR4: (g.cr4 | vm.cr4Fixed0) & vm.cr4Fixed1,
    CR4_READ_SHADOW: g.cr4,
    GUEST_DR7: g.dr7, GUEST_RSP: g.rsp, GUEST_RIP: g.rip, GUEST_RFLAGS: g.rflags,
    GUEST_GDTR_BASE: g.gdtr.base, GUEST_GDTR_LIMIT: BigInt(g.gdtr.limit),
    GUEST_IDTR_BASE: g.idtr.base, GUEST_IDTR_LIMIT: BigInt(g.idtr.limit),
    GUEST_SYSENTER_CS: (g.msrs.get(MSR.IA32_SYSENTER_CS) ?? 0n) & 0xffff_ffffn,
    GUEST_SYSENTER_ESP: g.msrs.get(MSR.IA32_SYSENTER_ESP) ?? 0n,
    GUEST_SYSENTER_EIP: g.msrs.get(MSR.IA32_SYSENTER_EIP) ?? 0n,
    GUEST_IA32_DEBUGCTL: g.msrs.get(MSR.IA32_DEBUGCTL) ?? 0n,
    GUEST_IA32_PAT: g.msrs.get(MSR.IA32_PAT) ?? 0x0007_0406_0007_0406n,
    GUEST_IA32_EFER: g.efer,
    GUEST_INTERRUPTIBILITY_INFO: (g.blockingBySti ? 1n : 0n) | (g.blockingByMovSs ? 2n : 0n) | (g.blockingByNmi ? 8n : 0n),
    GUEST_ACTIVITY_STATE: ACTIVITY[g.activity],
    GUEST_PENDING_DBG_EXCEPTIONS: 0n,
  };
  for (const s of SEGMENT_NAMES) {
    const r = g.segments[s];
    const p = PREFIX[s];
    fields[`GUEST_${p}_SELECTOR` as FieldName] = BigInt(r.selector);
    fields[`GUEST_${p}_BASE` as FieldName] = r.base;
    fields[`GUEST_${p}_LIMIT` as FieldName] = BigInt(r.limit >>> 0);
    fields[`GUEST_${p}_AR_BYTES` as FieldName] = BigInt(r.accessRights);
  }
  for (const v of config.reflect) vm.exceptionBitmap |= 1n << BigInt(v & 31);
  if (config.memory === 'ept') {
    buildEpt(host, profile, config.guestBase);
    fields.EPT_POINTER = eptPointer(profile);
    // PAE paging: VM entry loads the PDPTE registers from these fields (§26.3.2.4).
    (['GUEST_PDPTR0', 'GUEST_PDPTR1', 'GUEST_PDPTR2', 'GUEST_PDPTR3'] as const).forEach((f, i) => { fields[f] = g.pdpte[i] ?? 0n; });
  } else {
    vm.vCr3 = g.cr3;
    vm.guestPdptes = [0, 1, 2, 3].map((i) => g.pdpte[i] ?? 0n);
    vm.exceptionBitmap |= 1n << 14n;
  }
  if (config.tpr === 'tpr-shadow') {
    fields.VIRTUAL_APIC_PAGE_ADDR = VMM.virtualApic;
    fields.TPR_THRESHOLD = 0n;
    host.writeBytes(VMM.virtualApic + 0x80n, 4, (g.cr8 & 0xfn) << 4n);
  } else {
    vm.vTpr = g.cr8 & 0xfn;
  }
  // I/O bitmap A: the serial device's ports exit; nothing else does.
  for (let p = SERIAL_PORTS.first; p <= SERIAL_PORTS.last; p++) {
    const at = VMM.ioBitmapA + BigInt(p >> 3);
    host.writeBytes(at, 1, host.readBytes(at, 1) | (1n << BigInt(p & 7)));
  }
  // MSR bitmap (read bitmap for low MSRs at offset 0, write bitmap at 2048, §24.6.9): writes of
  // IA32_TIME_STAMP_COUNTER exit, so the VMM moves the guest's TSC with the TSC offset (reads and RDTSC
  // then need no exit, §25.3); reads and writes of IA32_SYSENTER_CS exit, because the guest-state field
  // cannot keep the MSR's bits 63:32 (msr.ts).
  const interceptMsr = (offset: bigint, index: number): void => {
    const at = VMM.msrBitmap + offset + BigInt(index >> 3);
    host.writeBytes(at, 1, host.readBytes(at, 1) | (1n << BigInt(index & 7)));
  };
  interceptMsr(2048n, 0x10);
  interceptMsr(0n, IA32_SYSENTER_CS);
  interceptMsr(2048n, IA32_SYSENTER_CS);
  for (const [n, v] of Object.entries(fields) as [FieldName, bigint][]) vm.w(n, v);

  // CR0 last: the FPU recipe (fpu.ts) and the fixed bits decide the real value, the mask and the shadow.
  vm.w('CR0_READ_SHADOW', g.cr0);
  vm.w('GUEST_CR0', realCr0(vm, g.cr0));
  vm.cr0Mask = fixedCr0Mask(vm);
  vm.w('CR0_GUEST_HOST_MASK', vm.cr0Mask);
  vm.cr4Mask = cr4MaskFor(vm);
  vm.w('CR4_GUEST_HOST_MASK', vm.cr4Mask);
  vm.w('EXCEPTION_BITMAP', vm.exceptionBitmap);
  if (config.fpu === 'lazy') arm(vm);
  else { vm.fpu.loaded = true; vm.fpu.restores++; vm.setCr0Mask(cr0MaskFor(vm)); }
  return vm;
};
