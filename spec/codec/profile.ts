/**
 * Capability profiles as JSON (the `--profile file.json` input and `vtspec profile show --json`):
 *
 * ```json
 * {
 *   "name": "my-cpu", "description": "...",
 *   "msrs": { "IA32_VMX_BASIC": "0xd810000000002b", "IA32_VMX_PINBASED_CTLS": "0x7f00000016", ... },
 *   "maxPhysAddr": 39, "linearAddressWidth": 48, "intel64": true,
 *   "cpuid": { "sgx": false, "rtm": false },
 *   "choices": { "entryErrorCodeReservedMask": "0xffff8000", ... }
 * }
 * ```
 *
 * Every key is required except `choices` (and each key inside it), whose defaults are
 * DEFAULT_CHOICES. Unknown keys anywhere are errors. MSR values are hex strings (or integers below
 * 2^53). The MSRs of REQUIRED_CAPABILITY_MSRS must be present; every other capability MSR must be
 * present exactly when the values of the others say it exists (Appendix A; see
 * spec/vtx/capability-msrs.ts), because an absent MSR means "not enumerated, RDMSR #GP".
 */
import * as t from 'io-ts';
import { isLeft } from 'fp-ts/lib/Either.js';
import {
  CAPABILITY_MSRS, REQUIRED_CAPABILITY_MSRS, type CapabilityMsrName, type VtxProfile,
} from '../vtx/profile.js';
import { CAPABILITY_MSR_LAYOUTS } from '../vtx/capability-msrs.js';
import { hex64, hex32Number } from './hex.js';
import { DEFAULT_CHOICES } from '../vtx/profiles/choices.js';
import { arrayOf, bool, intRange, str, strictObject } from './strict.js';

export { DEFAULT_CHOICES } from '../vtx/profiles/choices.js';


const ALL_MSRS = Object.keys(CAPABILITY_MSRS) as CapabilityMsrName[];
const OPTIONAL_MSRS = ALL_MSRS.filter((n) => !(REQUIRED_CAPABILITY_MSRS as readonly string[]).includes(n));

const msrProps = (names: readonly CapabilityMsrName[]): Record<string, typeof hex64> =>
  Object.fromEntries(names.map((n) => [n, hex64]));

const msrsCodec = strictObject('msrs', msrProps(REQUIRED_CAPABILITY_MSRS), msrProps(OPTIONAL_MSRS));

const choicesCodec = strictObject('choices', {}, {
  entryErrorCodeReservedMask: hex32Number,
  debugctlValidMask: hex64,
  perfGlobalCtrlValidMask: hex64,
  msrLoadRejected: arrayOf(hex32Number),
});

const profileShape = strictObject('profile', {
  name: str,
  description: str,
  msrs: msrsCodec,
  maxPhysAddr: intRange('maxPhysAddr', 32, 52),
  linearAddressWidth: intRange('linearAddressWidth', 32, 64),
  intel64: bool,
  cpuid: strictObject('cpuid', { sgx: bool, rtm: bool }, {}),
}, {
  choices: choicesCodec,
});

export type ProfileJson = t.OutputOf<typeof profileShape>;

/** Capability MSRs whose presence contradicts the values of the others, with the reason. */
export const profileMsrInconsistencies = (msrs: VtxProfile['msrs']): { name: CapabilityMsrName; message: string }[] =>
  OPTIONAL_MSRS.flatMap((name) => {
    const when = CAPABILITY_MSR_LAYOUTS[name].existsWhen;
    const exists = when.holds(msrs);
    const present = msrs[name] !== undefined;
    if (exists === present) return [];
    return [{
      name,
      message: present
        ? `present, but this MSR exists only when ${when.text}`
        : `missing: this MSR exists because ${when.text}`,
    }];
  });

const CONTROL_MSRS = [
  'IA32_VMX_PINBASED_CTLS', 'IA32_VMX_PROCBASED_CTLS', 'IA32_VMX_EXIT_CTLS', 'IA32_VMX_ENTRY_CTLS',
  'IA32_VMX_TRUE_PINBASED_CTLS', 'IA32_VMX_TRUE_PROCBASED_CTLS', 'IA32_VMX_TRUE_EXIT_CTLS', 'IA32_VMX_TRUE_ENTRY_CTLS',
] as const satisfies readonly CapabilityMsrName[];

/**
 * Values no processor can report (Appendix A): a control that must be 1 (allowed-0 bit set) but may
 * not be 1 (allowed-1 bit clear); a VMCS region size of 0 or above 4096 bytes (A.1); a revision
 * identifier with bit 31 set; a VMCS memory type other than UC (0) or WB (6).
 */
export const profileMsrContradictions = (msrs: VtxProfile['msrs']): { name: CapabilityMsrName; message: string }[] => {
  const out: { name: CapabilityMsrName; message: string }[] = [];
  for (const name of CONTROL_MSRS) {
    const v = msrs[name];
    if (v === undefined) continue;
    const bad = (v & 0xffff_ffffn) & ~(v >> 32n);
    if (bad !== 0n) out.push({ name, message: `controls 0x${bad.toString(16)} must be 1 (allowed-0 half) but may not be 1 (allowed-1 half): no processor reports this` });
  }
  const basic = msrs.IA32_VMX_BASIC;
  const size = (basic >> 32n) & 0x1fffn;
  if (size === 0n || size > 4096n) out.push({ name: 'IA32_VMX_BASIC', message: `VMCS region size (bits 44:32) is ${size}, expected 1 to 4096 bytes` });
  if ((basic >> 31n) & 1n) out.push({ name: 'IA32_VMX_BASIC', message: 'bit 31 (of the revision identifier) is always 0' });
  const memoryType = (basic >> 50n) & 0xfn;
  if (memoryType !== 0n && memoryType !== 6n) out.push({ name: 'IA32_VMX_BASIC', message: `VMCS memory type (bits 53:50) is ${memoryType}, expected 0 (UC) or 6 (WB)` });
  return out;
};

const toProfile = (p: t.TypeOf<typeof profileShape>): VtxProfile => ({
  name: p.name,
  description: p.description,
  msrs: p.msrs as VtxProfile['msrs'],
  maxPhysAddr: p.maxPhysAddr,
  linearAddressWidth: p.linearAddressWidth,
  intel64: p.intel64,
  cpuid: { sgx: p.cpuid.sgx, rtm: p.cpuid.rtm },
  choices: { ...DEFAULT_CHOICES, ...p.choices },
});

export const ProfileCodec = new t.Type<VtxProfile, ProfileJson, unknown>(
  'VtxProfile',
  (u): u is VtxProfile => profileShape.is(u),
  (u, c) => {
    const r = profileShape.validate(u, c);
    if (isLeft(r)) return r;
    const profile = toProfile(r.right);
    const problems = [...profileMsrInconsistencies(profile.msrs), ...profileMsrContradictions(profile.msrs)];
    if (problems.length === 0) return t.success(profile);
    return t.failures(problems.map(({ name, message }) => {
      const msrsContext = t.appendContext(c, 'msrs', msrsCodec, (u as Record<string, unknown>)['msrs']);
      return { value: profile.msrs[name], context: t.appendContext(msrsContext, name, hex64, profile.msrs[name]), message };
    }));
  },
  (p) => profileShape.encode({
    name: p.name,
    description: p.description,
    msrs: p.msrs,
    maxPhysAddr: p.maxPhysAddr,
    linearAddressWidth: p.linearAddressWidth,
    intel64: p.intel64,
    cpuid: { sgx: p.cpuid.sgx, rtm: p.cpuid.rtm },
    choices: { ...p.choices },
  }),
);

export const decodeProfile = (u: unknown): t.Validation<VtxProfile> => ProfileCodec.decode(u);
export const encodeProfile = (p: VtxProfile): ProfileJson => ProfileCodec.encode(p);
