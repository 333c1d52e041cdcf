/**
 * Checks on the VMX controls (SDM §26.2.1): VM-execution controls (§26.2.1.1), VM-exit controls
 * (§26.2.1.2), VM-entry controls and event injection (§26.2.1.3). Every failure is VMfailValid(7).
 * Order: the catalog's table order (shared/facts/vtx-entry-checks.md sections 2–4).
 */
import type { ControlVector } from '../../../../spec/vtx/controls.js';
import { bitOf, type Check, type EntryContext } from './context.js';

const reserved = (c: EntryContext, v: ControlVector, value: bigint): { zero: boolean; one: boolean } => {
  const l = c.caps.limits[v];
  return { zero: (value & l.mustBeOne) !== l.mustBeOne, one: (value & ~l.mayBeOne) !== 0n };
};

/** §26.2.1.1 — VM-execution control fields. */
export const checkExecutionControls: Check = (c) => {
  const { caps } = c;
  const pin = reserved(c, 'pin', c.pin);
  if (pin.zero) return 'CTL.PIN.RSVD0';
  if (pin.one) return 'CTL.PIN.RSVD1';
  const proc = reserved(c, 'proc', c.proc);
  if (proc.zero) return 'CTL.PROC.RSVD0';
  if (proc.one) return 'CTL.PROC.RSVD1';
  if (bitOf(c.proc, 31) && reserved(c, 'proc2', c.proc2).one) return 'CTL.PROC2.RSVD';
  if (bitOf(c.proc, 17) && reserved(c, 'proc3', c.proc3).one) return 'CTL.PROC3.RSVD';
  // Concrete choice: the 2016 text's limit of 4 CR3-target values (not IA32_VMX_MISC[24:16]).
  if (c.f('CR3_TARGET_COUNT') > 4n) return 'CTL.CR3TGT.COUNT';
  if (c.on('proc.USE_IO_BITMAPS')) {
    if (!caps.pageAddressValid(c.f('IO_BITMAP_A'))) return 'CTL.IOBMP.A.ADDR';
    if (!caps.pageAddressValid(c.f('IO_BITMAP_B'))) return 'CTL.IOBMP.B.ADDR';
  }
  if (c.on('proc.USE_MSR_BITMAPS') && !caps.pageAddressValid(c.f('MSR_BITMAP'))) return 'CTL.MSRBMP.ADDR';

  const tprShadow = c.on('proc.USE_TPR_SHADOW');
  const vid = c.on('proc2.VIRTUAL_INTERRUPT_DELIVERY');
  const apicAccesses = c.on('proc2.VIRTUALIZE_APIC_ACCESSES');
  if (tprShadow) {
    const vapic = c.f('VIRTUAL_APIC_PAGE_ADDR');
    if (!caps.pageAddressValid(vapic)) return 'CTL.VAPIC.ADDR';
    const threshold = c.f('TPR_THRESHOLD');
    if (!vid && (threshold >> 4n) !== 0n) return 'CTL.TPR.THRESH.RSVD';
    if (!apicAccesses && !vid) {
      const vtpr = c.m.read8(vapic + 0x80n);
      if (Number(threshold & 0xfn) > (vtpr >> 4)) return 'CTL.TPR.THRESH.VTPR';
    }
  }
  if (!c.on('pin.NMI_EXITING') && c.on('pin.VIRTUAL_NMIS')) return 'CTL.VNMI.NEEDS.NMIEXIT';
  if (!c.on('pin.VIRTUAL_NMIS') && c.on('proc.NMI_WINDOW_EXITING')) return 'CTL.NMIWIN.NEEDS.VNMI';
  if (apicAccesses && !caps.pageAddressValid(c.f('APIC_ACCESS_ADDR'))) return 'CTL.APICACC.ADDR';
  if (!tprShadow && (c.on('proc2.VIRTUALIZE_X2APIC_MODE') || c.on('proc2.APIC_REGISTER_VIRTUALIZATION') || vid)) {
    return 'CTL.APICV.NEEDS.TPRSHADOW';
  }
  if (c.on('proc2.VIRTUALIZE_X2APIC_MODE') && apicAccesses) return 'CTL.X2APIC.VS.APICACC';
  if (vid && !c.on('pin.EXTERNAL_INTERRUPT_EXITING')) return 'CTL.VID.NEEDS.EXTINTEXIT';
  if (c.on('pin.PROCESS_POSTED_INTERRUPTS')) {
    if (!vid) return 'CTL.PI.NEEDS.VID';
    if (!c.on('exit.ACKNOWLEDGE_INTERRUPT_ON_EXIT')) return 'CTL.PI.NEEDS.ACKEXIT';
    if ((c.f('POSTED_INTR_NV') & 0xff00n) !== 0n) return 'CTL.PI.VECTOR';
    const desc = c.f('POSTED_INTR_DESC_ADDR');
    if ((desc & 0x3fn) !== 0n) return 'CTL.PI.DESC.ALIGN';
    if (!caps.withinPaw(desc)) return 'CTL.PI.DESC.PAW';
  }
  if (c.on('proc2.ENABLE_VPID') && c.f('VIRTUAL_PROCESSOR_ID') === 0n) return 'CTL.VPID.NONZERO';
  const ept = c.on('proc2.ENABLE_EPT');
  if (ept) {
    const eptp = c.f('EPT_POINTER');
    const memoryType = eptp & 7n;
    const cap = caps.eptVpidCap;
    if (!((memoryType === 0n && bitOf(cap, 8)) || (memoryType === 6n && bitOf(cap, 14)))) return 'CTL.EPTP.MEMTYPE';
    const walk = (eptp >> 3n) & 7n;
    if (!(walk === 3n || (walk === 4n && bitOf(cap, 7)))) return 'CTL.EPTP.WALKLEN';
    if (bitOf(eptp, 6) && !bitOf(cap, 21)) return 'CTL.EPTP.AD';
    // Concrete choice: bits 11:7 reserved as in the 2016 SDM (bit 7's newer CET meaning not modelled).
    if ((eptp & 0xf80n) !== 0n || (eptp >> caps.maxPhysAddr) !== 0n) return 'CTL.EPTP.RSVD';
  }
  if (c.on('proc2.ENABLE_PML')) {
    if (!ept) return 'CTL.PML.NEEDS.EPT';
    if (!caps.pageAddressValid(c.f('PML_ADDRESS'))) return 'CTL.PML.ADDR';
  }
  if (c.unrestricted && !ept) return 'CTL.UG.NEEDS.EPT';
  if (c.on('proc2.MODE_BASED_EXECUTE_CONTROL_FOR_EPT') && !ept) return 'CTL.MBEC.NEEDS.EPT';
  if (c.on('proc2.SUB_PAGE_WRITE_PERMISSIONS_FOR_EPT')) {
    if (!ept) return 'CTL.SPP.NEEDS.EPT';
    if (!caps.pageAddressValid(c.f('SPPT_POINTER'))) return 'CTL.SPP.ADDR';
  }
  if (c.on('proc2.ENABLE_VM_FUNCTIONS')) {
    const functions = c.f('VM_FUNCTION_CONTROL');
    if ((functions & ~caps.vmfunc) !== 0n) return 'CTL.VMFUNC.RSVD';
    if (bitOf(functions, 0)) {
      if (!ept) return 'CTL.VMFUNC.EPTPSW.NEEDS.EPT';
      if (!caps.pageAddressValid(c.f('EPTP_LIST_ADDRESS'))) return 'CTL.VMFUNC.EPTPLIST.ADDR';
    }
  }
  if (c.on('proc2.VMCS_SHADOWING')) {
    if (!caps.pageAddressValid(c.f('VMREAD_BITMAP'))) return 'CTL.SHADOW.VMREAD.ADDR';
    if (!caps.pageAddressValid(c.f('VMWRITE_BITMAP'))) return 'CTL.SHADOW.VMWRITE.ADDR';
  }
  if (c.on('proc2.EPT_VIOLATION_VE') && !caps.pageAddressValid(c.f('VE_INFORMATION_ADDRESS'))) return 'CTL.VE.INFO.ADDR';
  if (c.on('proc2.USE_TSC_SCALING') && c.f('TSC_MULTIPLIER') === 0n) return 'CTL.TSCSCALE.NONZERO';
  return null;
};

/** An MSR list of `count` 16-byte entries at `address`: 16-byte aligned, first and last byte within PAW. */
const msrList = (c: EntryContext, address: bigint, count: bigint): 'align' | 'end' | null => {
  if ((address & 0xfn) !== 0n || !c.caps.withinPaw(address)) return 'align';
  if (!c.caps.withinPaw(address + 16n * count - 1n)) return 'end';
  return null;
};

/** §26.2.1.2 — VM-exit control fields. */
export const checkExitControls: Check = (c) => {
  const exit = reserved(c, 'exit', c.exit);
  if (exit.zero) return 'CTL.EXIT.RSVD0';
  if (exit.one) return 'CTL.EXIT.RSVD1';
  if (bitOf(c.exit, 31) && reserved(c, 'exit2', c.exit2).one) return 'CTL.EXIT2.RSVD';
  if (!c.on('pin.ACTIVATE_VMX_PREEMPTION_TIMER') && c.on('exit.SAVE_VMX_PREEMPTION_TIMER_VALUE')) return 'CTL.EXIT.SAVETIMER';
  const storeCount = c.f('VM_EXIT_MSR_STORE_COUNT');
  if (storeCount !== 0n) {
    const bad = msrList(c, c.f('VM_EXIT_MSR_STORE_ADDR'), storeCount);
    if (bad === 'align') return 'CTL.EXIT.MSRSTORE.ALIGN';
    if (bad === 'end') return 'CTL.EXIT.MSRSTORE.END';
  }
  const loadCount = c.f('VM_EXIT_MSR_LOAD_COUNT');
  if (loadCount !== 0n) {
    const bad = msrList(c, c.f('VM_EXIT_MSR_LOAD_ADDR'), loadCount);
    if (bad === 'align') return 'CTL.EXIT.MSRLOAD.ALIGN';
    if (bad === 'end') return 'CTL.EXIT.MSRLOAD.END';
  }
  return null;
};

/** Vectors of the hardware exceptions that push an error code (#DF, #TS, #NP, #SS, #GP, #PF, #AC). */
const ERROR_CODE_VECTORS = new Set([8, 10, 11, 12, 13, 14, 17]);

/** §26.2.1.3 — VM-entry control fields, including the event-injection fields. */
export const checkEntryControls: Check = (c) => {
  const { caps } = c;
  const entry = reserved(c, 'entry', c.entry);
  if (entry.zero) return 'CTL.ENTRY.RSVD0';
  if (entry.one) return 'CTL.ENTRY.RSVD1';
  if (c.injecting) {
    const type = c.injectionType;
    const vector = c.injectionVector;
    if (type === 1) return 'CTL.INJ.TYPE1';
    if (type === 7 && !caps.allows('proc.MONITOR_TRAP_FLAG')) return 'CTL.INJ.TYPE7';
    if (type === 2 && vector !== 2) return 'CTL.INJ.NMI.VEC';
    if (type === 3 && vector > 31) return 'CTL.INJ.HWEXC.VEC';
    if (type === 7 && vector !== 0) return 'CTL.INJ.OTHER.VEC';
    const deliver = bitOf(c.injection, 11);
    const protectedGuest = !c.unrestricted || bitOf(c.f('GUEST_CR0'), 0);
    const hardware = protectedGuest && type === 3;
    if (hardware && ERROR_CODE_VECTORS.has(vector) && !caps.noHwErrorCodeCheck && !deliver) return 'CTL.INJ.ERRCODE.REQ';
    const mayDeliver = hardware && (caps.noHwErrorCodeCheck || ERROR_CODE_VECTORS.has(vector));
    if (deliver && !mayDeliver) return 'CTL.INJ.ERRCODE.FORBID';
    if ((c.injection & 0x7fff_f000n) !== 0n) return 'CTL.INJ.RSVD';
    if (deliver && (c.f('VM_ENTRY_EXCEPTION_ERROR_CODE') & BigInt(caps.profile.choices.entryErrorCodeReservedMask >>> 0)) !== 0n) {
      return 'CTL.INJ.ERRCODE.RSVD';
    }
    if (type === 4 || type === 5 || type === 6) {
      const length = c.f('VM_ENTRY_INSTRUCTION_LEN');
      if (length > 15n) return 'CTL.INJ.ILEN.RANGE';
      if (length === 0n && !bitOf(caps.misc, 30)) return 'CTL.INJ.ILEN.ZERO';
    }
  }
  const loadCount = c.f('VM_ENTRY_MSR_LOAD_COUNT');
  if (loadCount !== 0n) {
    const bad = msrList(c, c.f('VM_ENTRY_MSR_LOAD_ADDR'), loadCount);
    if (bad === 'align') return 'CTL.ENTRY.MSRLOAD.ALIGN';
    if (bad === 'end') return 'CTL.ENTRY.MSRLOAD.END';
  }
  const toSmm = c.on('entry.ENTRY_TO_SMM');
  const deactivate = c.on('entry.DEACTIVATE_DUAL_MONITOR_TREATMENT');
  if (!c.m.cpu.inSmm && (toSmm || deactivate)) return 'CTL.ENTRY.SMM.OUTSIDE';
  if (toSmm && deactivate) return 'CTL.ENTRY.SMM.BOTH';
  return null;
};
