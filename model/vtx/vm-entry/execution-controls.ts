/**
 * SDM §26.2.1.1: rules CTL.PIN.*, CTL.PROC*.*, CTL.CR3TGT.*, CTL.IOBMP.*, CTL.MSRBMP.*, CTL.VAPIC.*,
 * CTL.TPR.*, CTL.VNMI.*, CTL.NMIWIN.*, CTL.APIC*.*, CTL.X2APIC.*, CTL.VID.*, CTL.PI.*, CTL.VPID.*,
 * CTL.EPTP.*, CTL.PML.*, CTL.UG.*, CTL.MBEC.*, CTL.SPP.*, CTL.VMFUNC.*, CTL.SHADOW.*, CTL.VE.*,
 * CTL.TSCSCALE.* of the catalog (spec/vtx/vm-entry/execution-controls.ts).
 */
import type { EXECUTION_CONTROLS_CHECKS } from '../../../spec/vtx/vm-entry/execution-controls.js';
import { readMemory8 } from '../../../spec/vtx/state.js';
import { bigOf, bit, withinPaw } from '../u64.js';
import type { CheckImpl } from './check.js';
import { F, hi, lo, type EntryEnv } from './env.js';

/**
 * Width that addresses of VMCS-referenced structures must fit in: the physical-address width, or
 * 32 bits when IA32_VMX_BASIC[48] = 1 (Appendix A.1; the "within PAW" footnotes of §26.2.1) and on
 * processors without Intel 64 (bits 63:32 must be 0 there, §26.2.1).
 */
export const structureWidth = (e: EntryEnv): number =>
  e.caps.addresses32 || !e.caps.intel64 ? Math.min(32, e.caps.maxPhysAddr) : e.caps.maxPhysAddr;

/** Bits 11:0 clear and the address fits in `structureWidth`. */
export const pageAddress = (e: EntryEnv, field: number): boolean =>
  (lo(e, field) & 0xfff) === 0 && withinPaw(hi(e, field), structureWidth(e));

const EPT_CAP_WALK5 = 7;
const EPT_CAP_UC = 8;
const EPT_CAP_WB = 14;
const EPT_CAP_AD = 21;
const EPT_CAP_SSS = 23;

const tprShadow = (e: EntryEnv) => bit(e.proc, 21);
const vid = (e: EntryEnv) => bit(e.proc2, 9);
const ept = (e: EntryEnv) => bit(e.proc2, 1);
const postedInterrupts = (e: EntryEnv) => bit(e.pin, 7);
const eptpSwitching = (e: EntryEnv) => bit(e.proc2, 13) && bit(lo(e, F.VM_FUNCTION_CONTROL), 0);

/** VTPR is bits 7:0 of the virtual-APIC page at offset 80H (§29.1.1). */
const vtpr = (e: EntryEnv): number =>
  readMemory8(e.state.memory, bigOf(lo(e, F.VIRTUAL_APIC_PAGE_ADDR), hi(e, F.VIRTUAL_APIC_PAGE_ADDR)) + 0x80n);

export const EXECUTION_CONTROLS_IMPL = {
  'CTL.PIN.RSVD0': { holds: (e) => (~e.pin & e.caps.pin0) === 0 },
  'CTL.PIN.RSVD1': { holds: (e) => (e.pin & ~e.caps.pin1) === 0 },
  'CTL.PROC.RSVD0': { holds: (e) => (~e.proc & e.caps.proc0) === 0 },
  'CTL.PROC.RSVD1': { holds: (e) => (e.proc & ~e.caps.proc1) === 0 },
  'CTL.PROC2.RSVD': { applies: (e) => bit(e.proc, 31), holds: (e) => (e.proc2 & ~e.caps.proc2_1) === 0 },
  'CTL.PROC3.RSVD': {
    applies: (e) => bit(e.proc, 17),
    holds: (e) => (e.proc3Lo & ~e.caps.proc3_1Lo) === 0 && (e.proc3Hi & ~e.caps.proc3_1Hi) === 0,
  },
  'CTL.CR3TGT.COUNT': { holds: (e) => lo(e, F.CR3_TARGET_COUNT) <= e.caps.cr3TargetCount },
  'CTL.IOBMP.A.ADDR': { applies: (e) => bit(e.proc, 25), holds: (e) => pageAddress(e, F.IO_BITMAP_A) },
  'CTL.IOBMP.B.ADDR': { applies: (e) => bit(e.proc, 25), holds: (e) => pageAddress(e, F.IO_BITMAP_B) },
  'CTL.MSRBMP.ADDR': { applies: (e) => bit(e.proc, 28), holds: (e) => pageAddress(e, F.MSR_BITMAP) },
  'CTL.VAPIC.ADDR': { applies: tprShadow, holds: (e) => pageAddress(e, F.VIRTUAL_APIC_PAGE_ADDR) },
  'CTL.TPR.THRESH.RSVD': {
    applies: (e) => tprShadow(e) && !vid(e),
    holds: (e) => (lo(e, F.TPR_THRESHOLD) & ~0xf) === 0,
  },
  'CTL.TPR.THRESH.VTPR': {
    applies: (e) => tprShadow(e) && !bit(e.proc2, 0) && !vid(e),
    holds: (e) => (lo(e, F.TPR_THRESHOLD) & 0xf) <= vtpr(e) >>> 4,
  },
  'CTL.VNMI.NEEDS.NMIEXIT': { applies: (e) => !bit(e.pin, 3), holds: (e) => !bit(e.pin, 5) },
  'CTL.NMIWIN.NEEDS.VNMI': { applies: (e) => !bit(e.pin, 5), holds: (e) => !bit(e.proc, 22) },
  'CTL.APICACC.ADDR': { applies: (e) => bit(e.proc2, 0), holds: (e) => pageAddress(e, F.APIC_ACCESS_ADDR) },
  'CTL.APICV.NEEDS.TPRSHADOW': { applies: (e) => !tprShadow(e), holds: (e) => (e.proc2 & 0x310) === 0 },
  'CTL.X2APIC.VS.APICACC': { applies: (e) => bit(e.proc2, 4), holds: (e) => !bit(e.proc2, 0) },
  'CTL.VID.NEEDS.EXTINTEXIT': { applies: vid, holds: (e) => bit(e.pin, 0) },
  'CTL.PI.NEEDS.VID': { applies: postedInterrupts, holds: vid },
  'CTL.PI.NEEDS.ACKEXIT': { applies: postedInterrupts, holds: (e) => bit(e.exit, 15) },
  'CTL.PI.VECTOR': { applies: postedInterrupts, holds: (e) => (lo(e, F.POSTED_INTR_NV) & 0xff00) === 0 },
  'CTL.PI.DESC.ALIGN': { applies: postedInterrupts, holds: (e) => (lo(e, F.POSTED_INTR_DESC_ADDR) & 0x3f) === 0 },
  'CTL.PI.DESC.PAW': {
    applies: postedInterrupts,
    holds: (e) => withinPaw(hi(e, F.POSTED_INTR_DESC_ADDR), structureWidth(e)),
  },
  'CTL.VPID.NONZERO': { applies: (e) => bit(e.proc2, 5), holds: (e) => (lo(e, F.VIRTUAL_PROCESSOR_ID) & 0xffff) !== 0 },
  'CTL.EPTP.MEMTYPE': {
    applies: ept,
    holds: (e) => {
      const type = lo(e, F.EPT_POINTER) & 7;
      return (type === 0 && bit(e.caps.eptVpidCapLo, EPT_CAP_UC)) || (type === 6 && bit(e.caps.eptVpidCapLo, EPT_CAP_WB));
    },
  },
  'CTL.EPTP.WALKLEN': {
    applies: ept,
    holds: (e) => {
      const lengthMinus1 = (lo(e, F.EPT_POINTER) >>> 3) & 7;
      return lengthMinus1 === 3 || (lengthMinus1 === 4 && bit(e.caps.eptVpidCapLo, EPT_CAP_WALK5));
    },
  },
  'CTL.EPTP.AD': { applies: ept, holds: (e) => !bit(lo(e, F.EPT_POINTER), 6) || bit(e.caps.eptVpidCapLo, EPT_CAP_AD) },
  // The EPT paging structures are not among the structures IA32_VMX_BASIC[48] limits to 32 bits (A.1).
  'CTL.EPTP.RSVD': {
    applies: ept,
    holds: (e) => {
      const reserved = bit(e.caps.eptVpidCapLo, EPT_CAP_SSS) ? 0xf00 : 0xf80;
      return (lo(e, F.EPT_POINTER) & reserved) === 0 && withinPaw(hi(e, F.EPT_POINTER), e.caps.maxPhysAddr);
    },
  },
  'CTL.PML.NEEDS.EPT': { applies: (e) => bit(e.proc2, 17), holds: ept },
  'CTL.PML.ADDR': { applies: (e) => bit(e.proc2, 17), holds: (e) => pageAddress(e, F.PML_ADDRESS) },
  'CTL.UG.NEEDS.EPT': { applies: (e) => e.ug, holds: ept },
  'CTL.MBEC.NEEDS.EPT': { applies: (e) => bit(e.proc2, 22), holds: ept },
  'CTL.SPP.NEEDS.EPT': { applies: (e) => bit(e.proc2, 23), holds: ept },
  'CTL.SPP.ADDR': { applies: (e) => bit(e.proc2, 23), holds: (e) => pageAddress(e, F.SPPT_POINTER) },
  'CTL.VMFUNC.RSVD': {
    applies: (e) => bit(e.proc2, 13),
    holds: (e) => (lo(e, F.VM_FUNCTION_CONTROL) & ~e.caps.vmfuncLo) === 0 && (hi(e, F.VM_FUNCTION_CONTROL) & ~e.caps.vmfuncHi) === 0,
  },
  'CTL.VMFUNC.EPTPSW.NEEDS.EPT': { applies: eptpSwitching, holds: ept },
  'CTL.VMFUNC.EPTPLIST.ADDR': { applies: eptpSwitching, holds: (e) => pageAddress(e, F.EPTP_LIST_ADDRESS) },
  'CTL.SHADOW.VMREAD.ADDR': { applies: (e) => bit(e.proc2, 14), holds: (e) => pageAddress(e, F.VMREAD_BITMAP) },
  'CTL.SHADOW.VMWRITE.ADDR': { applies: (e) => bit(e.proc2, 14), holds: (e) => pageAddress(e, F.VMWRITE_BITMAP) },
  'CTL.VE.INFO.ADDR': { applies: (e) => bit(e.proc2, 18), holds: (e) => pageAddress(e, F.VE_INFORMATION_ADDRESS) },
  'CTL.TSCSCALE.NONZERO': {
    applies: (e) => bit(e.proc2, 25),
    holds: (e) => lo(e, F.TSC_MULTIPLIER) !== 0 || hi(e, F.TSC_MULTIPLIER) !== 0,
  },
} satisfies Record<keyof typeof EXECUTION_CONTROLS_CHECKS, CheckImpl>;
