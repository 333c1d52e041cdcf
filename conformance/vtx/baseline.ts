/**
 * Valid VM-entry states: for a capability profile and a kind of guest, a state in VMX root operation
 * with a current, clear VMCS that passes every check of §26.1–26.4. Witnesses and arbitraries start
 * here and edit one to three fields. Built from spec/ data only, so the reference CPU's tests can use
 * it without touching model/.
 */
import type { VtxProfile } from '../../spec/vtx/profile.js';
import { DEFAULT_CPU } from '../../spec/codec/state.js';
import { emptyVmcsImage, writeFields, type VtxState } from '../../spec/vtx/state.js';
import type { FieldName } from '../../spec/vtx/vmcs/fields.js';

export type BaselineKind = 'ia32e' | 'protected' | 'unrestricted-real' | 'v86';
export const BASELINE_KINDS: readonly BaselineKind[] = ['ia32e', 'protected', 'unrestricted-real', 'v86'];

export const VMXON_REGION = 0x1000n;
export const VMCS_REGION = 0x2000n;
export const EPT_PML4 = 0x10000n;

const lo32 = (v: bigint): bigint => v & 0xffff_ffffn;
const hi32 = (v: bigint): bigint => (v >> 32n) & 0xffff_ffffn;

/** Minimal legal value of a control vector: the bits that must be 1 (Appendix A.3: TRUE MSR if BASIC[55]). */
const mustBeOne = (profile: VtxProfile, plain: bigint, tru: bigint | undefined): bigint =>
  ((profile.msrs.IA32_VMX_BASIC >> 55n) & 1n) === 1n && tru !== undefined ? lo32(tru) : lo32(plain);

/** Whether the profile allows the 1-setting of secondary controls `mask`. */
const secondaryAllowed = (profile: VtxProfile, mask: bigint): boolean =>
  ((hi32(profile.msrs.IA32_VMX_PROCBASED_CTLS) >> 31n) & 1n) === 1n &&
  (hi32(profile.msrs.IA32_VMX_PROCBASED_CTLS2 ?? 0n) & mask) === mask;

const SECONDARY_EPT = 1n << 1n;
const SECONDARY_UG = 1n << 7n;

export const baselineSupported = (profile: VtxProfile, kind: BaselineKind): boolean =>
  kind === 'unrestricted-real' ? secondaryAllowed(profile, SECONDARY_EPT | SECONDARY_UG) : true;

/** EPTP with the write-back type when supported (EPT_VPID_CAP[14]), else uncacheable; 4-level walk. */
const eptPointer = (profile: VtxProfile): bigint => {
  const cap = profile.msrs.IA32_VMX_EPT_VPID_CAP ?? 0n;
  const memoryType = ((cap >> 14n) & 1n) === 1n ? 6n : 0n;
  return EPT_PML4 | (3n << 3n) | memoryType;
};

type Segment = { sel: bigint; base: bigint; limit: bigint; ar: bigint };
const SEGMENTS = ['ES', 'CS', 'SS', 'DS', 'FS', 'GS', 'LDTR', 'TR'] as const;
const segFields = (name: (typeof SEGMENTS)[number], s: Segment): Partial<Record<FieldName, bigint>> => ({
  [`GUEST_${name}_SELECTOR`]: s.sel,
  [`GUEST_${name}_BASE`]: s.base,
  [`GUEST_${name}_LIMIT`]: s.limit,
  [`GUEST_${name}_AR_BYTES`]: s.ar,
});

const FLAT = 0xffff_ffffn;
const UNUSABLE_LDTR: Segment = { sel: 0n, base: 0n, limit: 0n, ar: 0x1_0000n };

/** Segment registers per kind of guest (access rights: §24.4.1 layout). */
const guestSegments = (kind: BaselineKind): Record<(typeof SEGMENTS)[number], Segment> => {
  switch (kind) {
    case 'ia32e': {
      const data = { sel: 0x10n, base: 0n, limit: FLAT, ar: 0xc093n };
      return {
        ES: data, SS: data, DS: data, FS: data, GS: data,
        CS: { sel: 0x08n, base: 0n, limit: FLAT, ar: 0xa09bn }, // type 11, S, P, L=1, G=1
        LDTR: UNUSABLE_LDTR,
        TR: { sel: 0x18n, base: 0n, limit: 0x67n, ar: 0x8bn }, // busy 64-bit TSS
      };
    }
    case 'protected': {
      const data = { sel: 0x10n, base: 0n, limit: FLAT, ar: 0xc093n };
      return {
        ES: data, SS: data, DS: data, FS: data, GS: data,
        CS: { sel: 0x08n, base: 0n, limit: FLAT, ar: 0xc09bn }, // type 11, S, P, D/B=1, G=1
        LDTR: UNUSABLE_LDTR,
        TR: { sel: 0x18n, base: 0n, limit: 0x67n, ar: 0x8bn },
      };
    }
    case 'unrestricted-real': {
      const data = { sel: 0n, base: 0n, limit: 0xffffn, ar: 0x93n };
      return {
        ES: data, SS: data, DS: data, FS: data, GS: data,
        CS: { sel: 0xf000n, base: 0xf0000n, limit: 0xffffn, ar: 0x9bn },
        LDTR: UNUSABLE_LDTR,
        TR: { sel: 0n, base: 0n, limit: 0xffffn, ar: 0x8bn },
      };
    }
    case 'v86': {
      const v86 = (sel: bigint): Segment => ({ sel, base: sel * 16n, limit: 0xffffn, ar: 0xf3n });
      return {
        ES: v86(0x2000n), CS: v86(0x1000n), SS: v86(0x3000n), DS: v86(0x2000n), FS: v86(0n), GS: v86(0n),
        LDTR: UNUSABLE_LDTR,
        TR: { sel: 0x18n, base: 0n, limit: 0x67n, ar: 0x8bn },
      };
    }
  }
};

export const baselineState = (profile: VtxProfile, kind: BaselineKind): VtxState => {
  if (!baselineSupported(profile, kind)) {
    throw new Error(`profile ${profile.name} cannot run a '${kind}' guest (needs unrestricted guest and EPT)`);
  }
  const m = profile.msrs;
  const pin = mustBeOne(profile, m.IA32_VMX_PINBASED_CTLS, m.IA32_VMX_TRUE_PINBASED_CTLS);
  let proc = mustBeOne(profile, m.IA32_VMX_PROCBASED_CTLS, m.IA32_VMX_TRUE_PROCBASED_CTLS);
  const exit = mustBeOne(profile, m.IA32_VMX_EXIT_CTLS, m.IA32_VMX_TRUE_EXIT_CTLS) | (1n << 9n); // host address-space size
  let entry = mustBeOne(profile, m.IA32_VMX_ENTRY_CTLS, m.IA32_VMX_TRUE_ENTRY_CTLS);
  let secondary = 0n;
  if (kind === 'ia32e') entry |= 1n << 9n;
  if (kind === 'unrestricted-real') {
    proc |= 1n << 31n;
    secondary = SECONDARY_EPT | SECONDARY_UG;
  }
  const real = kind === 'unrestricted-real';
  const segs = guestSegments(kind);
  const revision = m.IA32_VMX_BASIC & 0x7fff_ffffn;
  const fields: Partial<Record<FieldName, bigint>> = {
    PIN_BASED_VM_EXEC_CONTROL: pin,
    CPU_BASED_VM_EXEC_CONTROL: proc,
    SECONDARY_VM_EXEC_CONTROL: secondary,
    VM_EXIT_CONTROLS: exit,
    VM_ENTRY_CONTROLS: entry,
    EPT_POINTER: real ? eptPointer(profile) : 0n,
    VMCS_LINK_POINTER: 0xffff_ffff_ffff_ffffn,
    // Host: 64-bit, flat, paging with PAE (§26.2.2–26.2.4).
    HOST_CR0: 0x8000_0031n,
    HOST_CR3: 0x3000n,
    HOST_CR4: 0x2020n,
    HOST_CS_SELECTOR: 0x08n,
    HOST_SS_SELECTOR: 0x10n,
    HOST_DS_SELECTOR: 0x10n,
    HOST_ES_SELECTOR: 0x10n,
    HOST_FS_SELECTOR: 0x10n,
    HOST_GS_SELECTOR: 0x10n,
    HOST_TR_SELECTOR: 0x18n,
    HOST_RSP: 0xffff_8000_0000_8000n,
    HOST_RIP: 0xffff_ffff_8100_0000n,
    // Guest.
    GUEST_CR0: real ? 0x30n : 0x8000_0031n,
    GUEST_CR3: real ? 0n : 0x4000n,
    GUEST_CR4: kind === 'ia32e' ? 0x2020n : 0x2000n,
    GUEST_DR7: 0x400n,
    GUEST_RSP: kind === 'v86' ? 0xfffen : 0x8000n,
    GUEST_RIP: real ? 0xfff0n : 0x1000n,
    GUEST_RFLAGS: kind === 'v86' ? 0x2_0002n : 0x2n,
    GUEST_GDTR_LIMIT: 0x7fn,
    GUEST_IDTR_LIMIT: 0xfffn,
    ...Object.assign({}, ...SEGMENTS.map((s) => segFields(s, segs[s]))),
  };
  const image = writeFields(emptyVmcsImage(), fields);
  return {
    vmx: 'root',
    // The processor runs the host (the state a state file gets by default, §23.8 fixed bits set),
    // with the host registers of the VMCS above.
    cpu: { ...DEFAULT_CPU, cr0: 0x8000_0031n, cr3: 0x3000n, rsp: 0xffff_8000_0000_8000n, rip: 0xffff_ffff_8100_0000n },
    vmxonPointer: VMXON_REGION,
    currentVmcs: VMCS_REGION,
    dualMonitorActive: false,
    vmcs: new Map([[VMCS_REGION, { launchState: 'clear', fields: image }]]),
    memory: new Map([
      [VMXON_REGION, revision],
      [VMCS_REGION, revision],
    ]),
  };
};
