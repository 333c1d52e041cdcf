/**
 * §26.1 basic VM-entry checks (rules BASIC.*), strictly in the order the SDM gives. They read the
 * processor state, not the VMCS contents, so they take a BasicEnv rather than an EntryEnv.
 */
import type { BASIC_CHECKS } from '../../../spec/vtx/vm-entry/basic.js';
import { readMemory32, type VtxState } from '../../../spec/vtx/state.js';
import type { EntryInstruction } from './env.js';

export interface BasicEnv {
  readonly state: VtxState;
  readonly instruction: EntryInstruction;
}

export interface BasicCheckImpl {
  readonly applies?: (b: BasicEnv) => boolean;
  readonly holds: (b: BasicEnv) => boolean;
}

const CR0_PE = 1n;
const RFLAGS_VM = 1n << 17n;
const EFER_LMA = 1n << 10n;

/** Compatibility mode: IA-32e mode active with CS.L = 0 (§2.2 of Vol. 3A; ch. 30 #UD conditions). */
export const inCompatibilityMode = (s: VtxState): boolean => (s.cpu.efer & EFER_LMA) !== 0n && !s.cpu.csL;

export const BASIC_IMPL = {
  'BASIC.VMXOP': { holds: (b) => b.state.vmx !== 'outside' },
  'BASIC.MODE': {
    holds: (b) => (b.state.cpu.cr0 & CR0_PE) !== 0n && (b.state.cpu.rflags & RFLAGS_VM) === 0n && !inCompatibilityMode(b.state),
  },
  'BASIC.NONROOT': { holds: (b) => b.state.vmx !== 'non-root' },
  'BASIC.CPL': { holds: (b) => b.state.cpu.cpl === 0 },
  'BASIC.CURVMCS': { holds: (b) => b.state.currentVmcs !== null && b.state.vmcs.has(b.state.currentVmcs) },
  'BASIC.NOTSHADOW': {
    holds: (b) => b.state.currentVmcs === null || (readMemory32(b.state.memory, b.state.currentVmcs) >> 31n) === 0n,
  },
  'BASIC.MOVSS': { holds: (b) => !b.state.cpu.blockingByMovSs },
  'BASIC.LAUNCH.CLEAR': {
    applies: (b) => b.instruction === 'VMLAUNCH',
    holds: (b) => b.state.vmcs.get(b.state.currentVmcs!)?.launchState === 'clear',
  },
  'BASIC.RESUME.LAUNCHED': {
    applies: (b) => b.instruction === 'VMRESUME',
    holds: (b) => b.state.vmcs.get(b.state.currentVmcs!)?.launchState === 'launched',
  },
} satisfies Record<keyof typeof BASIC_CHECKS, BasicCheckImpl>;
