/**
 * Fixtures for the VM-exit tests (not used by the model): a guest right after VMLAUNCH of the
 * conformance baseline, its capabilities, and exit information with only the given members set.
 */
import { NO_EXIT_INFORMATION, type ExitInformation } from '../../../spec/vtx/non-root/observation.js';
import { BUILTIN_PROFILES } from '../../../spec/vtx/profiles/index.js';
import { readField, readMemory64, type VtxState } from '../../../spec/vtx/state.js';
import type { FieldName } from '../../../spec/vtx/vmcs/fields.js';
import { nonRootBaseline, withCpu, withMemory, withVmcs } from '../../../conformance/vtx/non-root/baseline.js';
import { decodeCapabilities, type Capabilities } from '../capabilities.js';

export { withCpu, withMemory, withVmcs };

export const PROFILE = BUILTIN_PROFILES['bochs-skylake-x'];
export const CAPS: Capabilities = decodeCapabilities(PROFILE);

export const guest = (profile = PROFILE): VtxState => nonRootBaseline(profile);

export const exitInfo = (reason: number, extra: Partial<Omit<ExitInformation, 'reason'>> = {}): ExitInformation =>
  ({ ...NO_EXIT_INFORMATION, reason, ...extra });

/** A field of the current VMCS. */
export const field = (s: VtxState, name: FieldName): bigint => readField(s.vmcs.get(s.currentVmcs!)!.fields, name);

/** The VM-exit control bits of `s` with `set` added and `clear` removed. */
export const exitControlsWith = (s: VtxState, set: number, clear = 0): bigint =>
  (field(s, 'VM_EXIT_CONTROLS') | BigInt(set >>> 0)) & ~BigInt(clear >>> 0);

/** The 32-bit VMX-abort indicator at offset 4 of the current VMCS region. */
export const abortIndicator = (s: VtxState): bigint => readMemory64(s.memory, s.currentVmcs!) >> 32n;

/** 16-byte MSR-list entries at `base`: [index, data] pairs (index may carry reserved bits 63:32). */
export const msrList = (base: bigint, entries: readonly (readonly [bigint, bigint])[]): [bigint, bigint][] =>
  entries.flatMap(([index, data], i) => [[base + 16n * BigInt(i), index], [base + 16n * BigInt(i) + 8n, data]] as [bigint, bigint][]);
