/**
 * Capturing a capability profile from Bochs: the harness in capture mode RDMSRs IA32_VMX_BASIC ..
 * IA32_VMX_EXIT_CTLS2 (480H-493H; a fault means "not enumerated", so the MSR is absent from the
 * profile — Bochs must run with ignore_bad_msrs=0) and prints CPUID leaves 1, 7, 80000001H and
 * 80000008H. The model-specific `choices` are the ones recorded for Bochs (spec/vtx/profiles/bochs.ts).
 */
import { CAPABILITY_MSRS, REQUIRED_CAPABILITY_MSRS, type CapabilityMsrName, type VtxProfile } from '../../spec/vtx/profile.js';
import { BOCHS_SKYLAKE_X } from '../../spec/vtx/profiles/bochs.js';
import { encodeBlob } from './blob.js';
import { bootBochs } from './bochs-process.js';
import { profileForCpuModel } from './run.js';

const NAME_BY_INDEX = new Map<number, CapabilityMsrName>(
  (Object.entries(CAPABILITY_MSRS) as [CapabilityMsrName, number][]).map(([name, index]) => [index, name]),
);

/** Thrown when Bochs cannot be run or the harness output is incomplete; the message is for users. */
export class CaptureError extends Error {}

export const captureProfile = async (cpuModel: string, timeoutMs = 10_000): Promise<VtxProfile> => {
  const boot = await bootBochs(cpuModel, encodeBlob('capture', []), timeoutMs);
  if (boot.status !== 'done') {
    throw new CaptureError(`capturing '${cpuModel}' failed: Bochs ${boot.status === 'hung' ? 'hung' : boot.status === 'reset' ? 'reset' : 'exited early'}${boot.stderrTail ? ` (${boot.stderrTail.split('\n').slice(-2).join(' / ')})` : ''}`);
  }
  const msrs: Partial<Record<CapabilityMsrName, bigint>> = {};
  const cpuid = new Map<number, bigint[]>();
  for (const line of boot.lines) {
    const [tag, a, b, ...rest] = line.split(/\s+/);
    if (tag === 'M' && b !== 'GP') {
      const name = NAME_BY_INDEX.get(Number(`0x${a}`));
      if (name !== undefined) msrs[name] = BigInt(`0x${b}`);
    } else if (tag === 'Q') {
      cpuid.set(Number(`0x${a}`), [b, ...rest].map((x) => BigInt(`0x${x ?? '0'}`)));
    }
  }
  const missing = REQUIRED_CAPABILITY_MSRS.filter((n) => msrs[n] === undefined);
  if (missing.length > 0) throw new CaptureError(`capturing '${cpuModel}': RDMSR faulted for ${missing.join(', ')}; does this CPU model support VMX?`);
  const leaf = (l: number, reg: number): bigint => cpuid.get(l)?.[reg] ?? 0n;
  const builtin = profileForCpuModel(cpuModel);
  return {
    name: builtin ?? `bochs-${cpuModel}`,
    description: `captured from Bochs cpu model ${cpuModel}`,
    msrs: msrs as VtxProfile['msrs'],
    maxPhysAddr: Number(leaf(0x8000_0008, 0) & 0xffn),
    linearAddressWidth: Number((leaf(0x8000_0008, 0) >> 8n) & 0xffn),
    intel64: ((leaf(0x8000_0001, 3) >> 29n) & 1n) === 1n,
    cpuid: { sgx: ((leaf(7, 1) >> 2n) & 1n) === 1n, rtm: ((leaf(7, 1) >> 11n) & 1n) === 1n },
    choices: BOCHS_SKYLAKE_X.choices,
  };
};
