/**
 * One virtual processor as the VMM keeps it. The guest's state is in three places, as in LK/XEN:
 * the machine (general, branch, predicate and most application registers, the register stack,
 * memory, the user mask, cpl); the VPD (vpsr, the guest CRs, the other GR16-31 bank, CPUID); and
 * here, in VMM memory (`GuestShadow`): what VT-i leaves entirely to the VMM — region and protection
 * key registers, breakpoint and performance registers, the guest TLB, the virtual LSAPIC, the guest
 * ITC offset, and the guest's last successfully executed instruction (IIPA's source).
 */
import type { VtiInstruction } from '../../../spec/vti/machine/instructions.js';
import type { VtiProfile } from '../../../spec/vti/machine/profile.js';
import type { TlbState } from '../../../spec/vti/machine/state.js';
import type { VtiVmmConfig } from './config.js';
import type { Host } from './host.js';
import type { VmmLayout } from './layout.js';
import type { VmmStats } from './stats.js';

export class GuestShadow {
  /** Guest region registers rr0-rr7; the machine ones are derived from them (`machineRr`). */
  rr: bigint[] = Array.from({ length: 8 }, () => 0n);
  pkr = new Map<number, bigint>();
  ibr = new Map<number, bigint>();
  dbr = new Map<number, bigint>();
  pmc = new Map<number, bigint>();
  pmd = new Map<number, bigint>();
  /** The guest's TLB (its translation registers and cache), kept by the VMM (LK/XEN vTLB). */
  tlb: TlbState = { itr: [], dtr: [], itc: [], dtc: [] };
  /** Virtual LSAPIC: pending vectors (IRR) and vectors in service, bit v = vector v. */
  irr = 0n;
  inService = 0n;
  /** Guest AR.ITC = machine AR.ITC + itcOffset (LK/XEN per-vCPU ITC offset). */
  itcOffset = 0n;
  /**
   * The guest's last successfully executed instruction as the VMM knows it: set when it emulates one
   * (ITJ: MOV-from-PTA must update cr.iipa), and taken from the machine's IIPA at each entry when
   * the guest has executed instructions of its own since the last resume.
   */
  lastIp = 0n;
  /** The vhpi last written to the VPD and announced with PAL_VPS_SET_PENDING_INTERRUPT. */
  vhpi = 0n;
  /**
   * The guest's RSE CFLE as its own processor would have it: cleared by every interruption delivered to
   * it, set by its rfi (SDM 2:§5.5, 2:§6.7; 3 rfi). CFLE is hidden — nothing reads it, and the machine's
   * is lost at every entry into the VMM, which is itself an interruption — so the VMM keeps it here
   * and hands it back with PAL_VPS_RESUME_HANDLER whenever the guest continues with PSR.ic = 0 (ITJ,
   * "Access to Hidden State"). XEN derives the same bit from the ISR.ir of the entry (vti-vmm-usage.md
   * §7): in this abstraction a frame is never incomplete, so the VMM's own record takes its place.
   */
  cfle = true;
  /** IFA, ITIR, IHA, IIM as the machine had them when the VMM last resumed the guest (entry.ts). */
  left: { ifa: bigint; itir: bigint; iha: bigint; iim: bigint } = { ifa: 0n, itir: 0n, iha: 0n, iim: 0n };
}

export interface Vm {
  readonly host: Host;
  readonly config: VtiVmmConfig;
  readonly layout: VmmLayout;
  /** The real processor. */
  readonly profile: VtiProfile;
  /** The processor the guest is told it has (one implemented virtual-address bit fewer). */
  readonly guestProfile: VtiProfile;
  readonly shadow: GuestShadow;
  readonly stats: VmmStats;
  /**
   * Reads the guest instruction at a slot address, as a VMM reads the bundle at IIP from guest
   * memory (XEN's privileged-operation decoding). Intercepts bring their opcode in GR25; only the
   * reflection of some faults needs this (fault-order.ts). Absent: those faults are reflected
   * as the machine took them.
   */
  readonly fetch?: (address: bigint) => VtiInstruction | undefined;
}

/** What the VMM captured when it was entered from the guest (LK/XEN VMX_SAVE_MIN). */
export interface Entry {
  /** Host IVT offset of the entry (0x6100 for an intercept). */
  readonly vector: number;
  readonly iip: bigint;
  readonly ipsr: bigint;
  readonly isr: bigint;
  /**
   * IFA, ITIR, IHA, IIM, or null where they still hold what they held when the VMM resumed the guest:
   * then the interruption did not write them (or wrote the same value).
   */
  readonly ifa: bigint | null;
  readonly itir: bigint | null;
  readonly iha: bigint | null;
  readonly iim: bigint | null;
  /** The guest's own PSR at the entry: vpsr with the user mask, cpl and ri the machine ran with. */
  readonly guestPsr: bigint;
}

/** Where and how the guest continues when the VMM resumes it. */
export interface GuestContinuation {
  readonly ip: bigint;
  readonly ri: number;
  /** The guest's PSR from then on (becomes vpsr and, with the VMM's bits, the machine IPSR). */
  readonly psr: bigint;
  /** Machine IFS for the resume: a frame to restore (v = 1), as rfi's; default: keep IFS.v = 0. */
  readonly ifs?: bigint;
  /**
   * The guest's CFLE from this resume on, where the continuation changes it (an interruption delivered
   * to the guest clears it, its rfi sets it); absent: it keeps the one it had (GuestShadow.cfle).
   */
  readonly cfle?: boolean;
}
