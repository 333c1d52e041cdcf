/** Witnesses for §26.1 basic checks: each edits the processor state, not the VMCS. */
import type { BASIC_CHECKS } from '../../../spec/vtx/vm-entry/basic.js';
import type { VtxState } from '../../../spec/vtx/state.js';
import type { EntryWitness } from './witness.js';

const cpu = (patch: Partial<VtxState['cpu']>) => (s: VtxState): VtxState => ({ ...s, cpu: { ...s.cpu, ...patch } });

const launched = (s: VtxState): VtxState => {
  const at = s.currentVmcs;
  const region = at === null ? undefined : s.vmcs.get(at);
  if (at === null || region === undefined) return s;
  const vmcs = new Map(s.vmcs);
  vmcs.set(at, { ...region, launchState: 'launched' });
  return { ...s, vmcs };
};

export const BASIC_WITNESSES = {
  'BASIC.VMXOP': { edit: (s) => ({ ...s, vmx: 'outside', vmxonPointer: null, currentVmcs: null }) },
  // Compatibility mode: IA-32e active with CS.L = 0.
  'BASIC.MODE': { edit: cpu({ csL: false }) },
  'BASIC.NONROOT': { edit: (s) => ({ ...s, vmx: 'non-root' }) },
  'BASIC.CPL': { edit: cpu({ cpl: 3 }) },
  'BASIC.CURVMCS': { edit: (s) => ({ ...s, currentVmcs: null }) },
  // Bit 31 of the revision dword marks a shadow VMCS.
  'BASIC.NOTSHADOW': {
    edit: (s) => (s.currentVmcs === null ? s : { ...s, memory: new Map([...s.memory, [s.currentVmcs, (s.memory.get(s.currentVmcs) ?? 0n) | 0x8000_0000n]]) }),
  },
  'BASIC.MOVSS': { edit: cpu({ blockingByMovSs: true }) },
  'BASIC.LAUNCH.CLEAR': { edit: launched },
  'BASIC.RESUME.LAUNCHED': { instruction: 'VMRESUME' },
} satisfies Record<keyof typeof BASIC_CHECKS, EntryWitness>;
