/**
 * What an implementation of a VMX instruction can be observed to do (SDM §30.2 conventions):
 * fault, VMfailInvalid, VMfailValid(n), VMsucceed, a VM exit (including VM-entry failure "exits"
 * with bit 31 of the exit reason set, §26.7), or a successful VM entry with the guest state it
 * loaded. These are what the model, the reference CPU and any adapter report, so they live in
 * spec/: the conformance checker compares them.
 */

export type FaultVector = '#UD' | '#GP(0)';

export interface LoadedSegment {
  readonly selector: number;
  /**
   * §26.3.2.2: for an unusable register base, limit and access rights are undefined, except that
   * SS.DPL is loaded (it becomes the CPL) and FS/GS bases are loaded; those are given as `dpl` and
   * `base` of an unusable SS, FS or GS.
   */
  readonly unusable: boolean;
  readonly base?: bigint;
  readonly limit?: number;
  readonly accessRights?: number;
  /** Only for an unusable SS. */
  readonly dpl?: number;
}

/** Guest register state after a successful VM entry (§26.3.2), as a conformance check compares it. */
export interface LoadedGuestState {
  readonly cr0: bigint;
  readonly cr3: bigint;
  readonly cr4: bigint;
  readonly dr7: bigint;
  readonly rsp: bigint;
  readonly rip: bigint;
  readonly rflags: bigint;
  readonly efer: bigint;
  readonly es: LoadedSegment;
  readonly cs: LoadedSegment;
  readonly ss: LoadedSegment;
  readonly ds: LoadedSegment;
  readonly fs: LoadedSegment;
  readonly gs: LoadedSegment;
  readonly ldtr: LoadedSegment;
  readonly tr: LoadedSegment;
  readonly gdtrBase: bigint;
  readonly gdtrLimit: number;
  readonly idtrBase: bigint;
  readonly idtrLimit: number;
  /** MSRs loaded from VMCS fields (per the VM-entry controls) and from the VM-entry MSR-load list. */
  readonly msrs: Readonly<Record<string, bigint>>;
}

export type Observation =
  | { readonly kind: 'fault'; readonly vector: FaultVector }
  | { readonly kind: 'VMfailInvalid' }
  | { readonly kind: 'VMfailValid'; readonly error: number }
  | { readonly kind: 'VMsucceed'; readonly value?: bigint }
  | { readonly kind: 'vm-exit'; readonly reason: number; readonly qualification: bigint }
  | { readonly kind: 'vm-entry'; readonly guest: LoadedGuestState };

/**
 * What an implementation under test reports: an Observation, except that a successful VM entry may
 * come without the loaded guest state — a real CPU shows the guest only at its first VM exit — and
 * then only the kind of outcome is compared.
 */
export type ReportedObservation =
  | Exclude<Observation, { readonly kind: 'vm-entry' }>
  | { readonly kind: 'vm-entry'; readonly guest?: LoadedGuestState };

/** Exit reason with bit 31 set: "VM-entry failure" (§26.7, §27.2.1). */
export const entryFailureReason = (basic: 33 | 34 | 41): number => (0x8000_0000 | basic) >>> 0;

/** What is defined of an unusable register must match where both report it (§26.3.2.2). */
const both = <T>(x: T | undefined, y: T | undefined): boolean => x === undefined || y === undefined || x === y;

const segEqual = (a: LoadedSegment, b: LoadedSegment): boolean =>
  a.selector === b.selector && a.unusable === b.unusable &&
  (a.unusable ? both(a.dpl, b.dpl) && both(a.base, b.base) : a.base === b.base && a.limit === b.limit && a.accessRights === b.accessRights);

const SEGS = ['es', 'cs', 'ss', 'ds', 'fs', 'gs', 'ldtr', 'tr'] as const;
const REGS = ['cr0', 'cr3', 'cr4', 'dr7', 'rsp', 'rip', 'rflags', 'efer', 'gdtrBase', 'gdtrLimit', 'idtrBase', 'idtrLimit'] as const;

export const guestStateEqual = (a: LoadedGuestState, b: LoadedGuestState): boolean => {
  if (!REGS.every((r) => a[r] === b[r])) return false;
  if (!SEGS.every((s) => segEqual(a[s], b[s]))) return false;
  const ka = Object.keys(a.msrs).sort();
  const kb = Object.keys(b.msrs).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && a.msrs[k] === b.msrs[k]);
};

export const observationEqual = (a: ReportedObservation, b: ReportedObservation): boolean => {
  switch (a.kind) {
    case 'fault': return b.kind === 'fault' && a.vector === b.vector;
    case 'VMfailInvalid': return b.kind === 'VMfailInvalid';
    case 'VMfailValid': return b.kind === 'VMfailValid' && a.error === b.error;
    case 'VMsucceed': return b.kind === 'VMsucceed' && a.value === b.value;
    case 'vm-exit': return b.kind === 'vm-exit' && a.reason === b.reason && a.qualification === b.qualification;
    case 'vm-entry': return b.kind === 'vm-entry' && (a.guest === undefined || b.guest === undefined || guestStateEqual(a.guest, b.guest));
  }
};

export const describeObservation = (o: ReportedObservation): string => {
  switch (o.kind) {
    case 'fault': return o.vector;
    case 'VMfailInvalid': return 'VMfailInvalid';
    case 'VMfailValid': return `VMfailValid(${o.error})`;
    case 'VMsucceed': return o.value === undefined ? 'VMsucceed' : `VMsucceed (value 0x${o.value.toString(16)})`;
    case 'vm-exit': {
      const basic = o.reason & 0xffff;
      const failure = (o.reason & 0x8000_0000) !== 0;
      return failure
        ? `VM-entry failure, exit reason ${basic} (bit 31 set), qualification ${o.qualification}`
        : `VM exit, reason ${basic}, qualification 0x${o.qualification.toString(16)}`;
    }
    case 'vm-entry': return o.guest === undefined ? 'VM entry succeeded' : 'VM entry succeeded (guest state loaded)';
  }
};
