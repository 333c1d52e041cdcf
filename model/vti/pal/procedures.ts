/**
 * The PAL_VP_* procedures (SDM rev 2.3 §11.10, spec/vti/pal.ts) as a state machine over the PAL
 * virtual environment of spec/vti/machine/state.ts: not initialised → PAL_VP_INIT_ENV → VPs created
 * (PAL_VP_CREATE), registered (PAL_VP_REGISTER), restored (PAL_VP_RESTORE) and saved (PAL_VP_SAVE),
 * terminated (PAL_VP_TERMINATE) → PAL_VP_EXIT_ENV. Each error return is a rule of
 * PAL_PROCEDURE_ERRORS; where the sources leave the status open, the other status is permitted.
 */
import { match } from 'ts-pattern';
import type { PalProcedureCall } from '../../../spec/vti/machine/events.js';
import { vmFeaturesEnabled } from '../../../spec/vti/machine/profile.js';
import type { PalEnvironment, VirtualProcessor, Vpd, VtiState } from '../../../spec/vti/machine/state.js';
import { PAL_VP_CONFIG_OPTIONS } from '../../../spec/vti/pal.js';
import { VAC_VDC_EXCLUSIONS, VPD_ALIGNMENT } from '../../../spec/vti/vpd.js';
import type { VtiProfile } from '../../../spec/vti/machine/profile.js';
import { MODELLED_VAC_BITS, MODELLED_VDC_BITS, palRuleId } from '../../../spec/vti/machine/rules.js';
import { bit, hex, mapSet } from '../bits.js';
import { because, type Decision } from '../outcome.js';
import { vpdFromMemory, vpdToMemory } from '../vpd-memory.js';
import { procedureError, procedureReturn } from './common.js';

type Initialised = Extract<PalEnvironment, { status: 'initialised' }>;

const mask = (bits: readonly number[]): bigint => bits.reduce((m, b) => m | (1n << BigInt(b)), 0n);
const VAC_DEFINED = mask(MODELLED_VAC_BITS.map((b) => b.bit));
const VDC_DEFINED = mask(MODELLED_VDC_BITS.map((b) => b.bit));
const optionBit = (name: string): number => PAL_VP_CONFIG_OPTIONS.find((o) => o.name === name)?.bit ?? -1;

/** Why a VPD's vac/vdc is unsupported (reserved bits, or an excluded pair), or null. */
export const badControls = (vpd: Vpd): string | null => {
  if ((vpd.vac & ~VAC_DEFINED) !== 0n) return `vac has reserved bits ${hex(vpd.vac & ~VAC_DEFINED)}`;
  if ((vpd.vdc & ~VDC_DEFINED) !== 0n) return `vdc has reserved bits ${hex(vpd.vdc & ~VDC_DEFINED)}`;
  for (const x of VAC_VDC_EXCLUSIONS) {
    const a = MODELLED_VAC_BITS.find((b) => b.name === x.vac)?.bit;
    const d = MODELLED_VDC_BITS.find((b) => b.name === x.vdc)?.bit;
    if (a !== undefined && d !== undefined && bit(vpd.vac, a) && bit(vpd.vdc, d)) return `vac.${x.vac} and vdc.${x.vdc} are both 1`;
  }
  return null;
};

const withEnv = (s: VtiState, env: Initialised): VtiState => ({ ...s, pal: env });
const withVps = (env: Initialised, vps: ReadonlyMap<bigint, VirtualProcessor>): Initialised => ({ ...env, vps });
const setIva = (s: VtiState, iva: bigint): VtiState => ({ ...s, cr: mapSet(s.cr, 2, iva) });

/** Common prologue: -1 without VM features, -9 without an environment (when `needsEnv`). */
const prologue = (p: VtiProfile, s: VtiState, name: string, needsEnv: boolean): Decision | Initialised | null => {
  if (!vmFeaturesEnabled(p)) return procedureError(s, name, 'VM_DISABLED', 'PAL_PROC_GET_FEATURES bit 40 is clear');
  if (!needsEnv) return null;
  if (s.pal.status !== 'initialised') return procedureError(s, name, 'NO_ENV', 'PAL_VP_INIT_ENV has not been called');
  return s.pal;
};
const isDecision = (x: Decision | Initialised | null): x is Decision => x !== null && 'observation' in x;

const ok = (s: VtiState, name: string, verdict: string, values: readonly bigint[] = []): Decision =>
  procedureReturn(s, 0, values, [because(palRuleId(name, 'OK'), verdict)]);

/**
 * Implements VTI.PAL.VP_INIT_ENV.OK, VTI.PAL.VP_INIT_ENV.VM_DISABLED, VTI.PAL.VP_INIT_ENV.BAD_OPTIONS,
 * VTI.PAL.VP_INIT_ENV.BAD_BUFFER, VTI.PAL.VP_INIT_ENV.ALREADY.
 */
const initEnv = (p: VtiProfile, s: VtiState, c: Extract<PalProcedureCall, { name: 'PAL_VP_INIT_ENV' }>): Decision => {
  const pre = prologue(p, s, c.name, false);
  if (isDecision(pre)) return pre;
  if (s.pal.status === 'initialised') {
    const d = procedureError(s, c.name, 'ALREADY', 'this processor is already in the virtual environment');
    return { ...d, alternatives: [procedureReturn(s, -2, [], d.trace)] };
  }
  const allowed = mask(PAL_VP_CONFIG_OPTIONS.flatMap((o) => (o.bit === null || (o.name === 'gitc' && !p.gitc) ? [] : [o.bit])));
  if ((c.configOptions & ~allowed) !== 0n) return procedureError(s, c.name, 'BAD_OPTIONS', `reserved or unsupported option bits ${hex(c.configOptions & ~allowed)}`);
  if (!bit(c.configOptions, optionBit('opcode'))) {
    const d = procedureError(s, c.name, 'BAD_OPTIONS', 'config_options.opcode must be 1');
    return { ...d, alternatives: [procedureReturn(s, -3, [], d.trace)] };
  }
  if ((c.pbaseAddr & 0xfffn) !== 0n || (c.vbaseAddr & 0xfffn) !== 0n) return procedureError(s, c.name, 'BAD_BUFFER', 'the buffer is not 4 KiB aligned');
  const env: Initialised = {
    status: 'initialised', configOptions: c.configOptions, bufferPhysical: c.pbaseAddr, bufferVirtual: c.vbaseAddr,
    vsaBase: p.vsaBase, vps: new Map(), current: null,
  };
  return ok(withEnv(s, env), c.name, `entered the virtual environment; vsa_base = ${hex(p.vsaBase)}`, [p.vsaBase]);
};

/**
 * Implements VTI.PAL.VP_CREATE.OK, VTI.PAL.VP_CREATE.VM_DISABLED, VTI.PAL.VP_CREATE.NO_ENV,
 * VTI.PAL.VP_CREATE.BAD_VPD, VTI.PAL.VP_CREATE.BAD_CONTROLS, VTI.PAL.VP_CREATE.BAD_ENV_ADDR.
 */
const create = (p: VtiProfile, s: VtiState, c: Extract<PalProcedureCall, { name: 'PAL_VP_CREATE' }>): Decision => {
  const env = prologue(p, s, c.name, true);
  if (env === null || isDecision(env)) return env ?? procedureError(s, c.name, 'NO_ENV', 'no environment');
  if ((c.vpd & BigInt(VPD_ALIGNMENT - 1)) !== 0n) return procedureError(s, c.name, 'BAD_VPD', `${hex(c.vpd)} is not 32 KiB aligned`);
  if (env.vps.has(c.vpd)) return procedureError(s, c.name, 'BAD_VPD', `${hex(c.vpd)} is already a VP`);
  const { vpd, memory } = vpdFromMemory(s.memory, c.vpd);
  const bad = badControls(vpd);
  if (bad !== null) return procedureError(s, c.name, 'BAD_CONTROLS', bad);
  if (vpd.virtEnvVaddr !== env.bufferVirtual) return procedureError(s, c.name, 'BAD_ENV_ADDR', `virt_env_vaddr ${hex(vpd.virtEnvVaddr)} is not vbase_addr ${hex(env.bufferVirtual)}`);
  const vps = new Map(env.vps);
  vps.set(c.vpd, { vpd, hostIva: c.hostIva, optHandler: c.optHandler });
  return ok(withEnv({ ...s, memory }, withVps(env, vps)), c.name, `VP created at ${hex(c.vpd)} (host IVT ${hex(c.hostIva)})`);
};

/** The VP `vpd` names, or its UNKNOWN_VP error. */
const known = (s: VtiState, env: Initialised, name: string, vpd: bigint): Decision | VirtualProcessor =>
  env.vps.get(vpd) ?? procedureError(s, name, 'UNKNOWN_VP', `${hex(vpd)} is not a created VP`);
const isVp = (x: Decision | VirtualProcessor): x is VirtualProcessor => 'vpd' in x;

/**
 * Implements VTI.PAL.VP_REGISTER.OK, VTI.PAL.VP_REGISTER.VM_DISABLED, VTI.PAL.VP_REGISTER.NO_ENV,
 * VTI.PAL.VP_REGISTER.UNKNOWN_VP, VTI.PAL.VP_REGISTER.BAD_CONTROLS.
 */
const register = (p: VtiProfile, s: VtiState, c: Extract<PalProcedureCall, { name: 'PAL_VP_REGISTER' }>): Decision => {
  const env = prologue(p, s, c.name, true);
  if (env === null || isDecision(env)) return env ?? procedureError(s, c.name, 'NO_ENV', 'no environment');
  const vp = known(s, env, c.name, c.vpd);
  if (!isVp(vp)) return vp;
  const bad = badControls(vp.vpd);
  if (bad !== null) return procedureError(s, c.name, 'BAD_CONTROLS', bad);
  const vps = new Map(env.vps);
  vps.set(c.vpd, { ...vp, hostIva: c.hostIva, optHandler: c.optHandler });
  return ok(withEnv(s, withVps(env, vps)), c.name, `VP ${hex(c.vpd)}: host IVT ${hex(c.hostIva)}, intercept handler ${hex(c.optHandler)}`);
};

/**
 * Implements VTI.PAL.VP_RESTORE.OK, VTI.PAL.VP_RESTORE.VM_DISABLED, VTI.PAL.VP_RESTORE.NO_ENV,
 * VTI.PAL.VP_RESTORE.UNKNOWN_VP.
 * IVA = the VP's host IVT, vhpi latched.
 */
const restore = (p: VtiProfile, s: VtiState, c: Extract<PalProcedureCall, { name: 'PAL_VP_RESTORE' }>): Decision => {
  const env = prologue(p, s, c.name, true);
  if (env === null || isDecision(env)) return env ?? procedureError(s, c.name, 'NO_ENV', 'no environment');
  const vp = known(s, env, c.name, c.vpd);
  if (!isVp(vp)) return vp;
  const restored = { ...setIva(withEnv(s, { ...env, current: c.vpd }), vp.hostIva), pendingVirtualInterrupt: vp.vpd.vhpi };
  return ok(restored, c.name, `VP ${hex(c.vpd)} restored; IVA = ${hex(vp.hostIva)}`);
};

/**
 * Implements VTI.PAL.VP_SAVE.OK, VTI.PAL.VP_SAVE.VM_DISABLED, VTI.PAL.VP_SAVE.NO_ENV,
 * VTI.PAL.VP_SAVE.NOT_CURRENT. IVA is left for the VMM to change.
 */
const save = (p: VtiProfile, s: VtiState, c: Extract<PalProcedureCall, { name: 'PAL_VP_SAVE' }>): Decision => {
  const env = prologue(p, s, c.name, true);
  if (env === null || isDecision(env)) return env ?? procedureError(s, c.name, 'NO_ENV', 'no environment');
  if (env.current !== c.vpd) return procedureError(s, c.name, 'NOT_CURRENT', `${hex(c.vpd)} is not the restored VP`);
  return ok(withEnv(s, { ...env, current: null }), c.name, `VP ${hex(c.vpd)} saved (with an implicit PAL_VPS_SYNC_READ)`);
};

/**
 * Implements VTI.PAL.VP_TERMINATE.OK, VTI.PAL.VP_TERMINATE.VM_DISABLED, VTI.PAL.VP_TERMINATE.NO_ENV,
 * VTI.PAL.VP_TERMINATE.UNKNOWN_VP.
 */
const terminate = (p: VtiProfile, s: VtiState, c: Extract<PalProcedureCall, { name: 'PAL_VP_TERMINATE' }>): Decision => {
  const env = prologue(p, s, c.name, true);
  if (env === null || isDecision(env)) return env ?? procedureError(s, c.name, 'NO_ENV', 'no environment');
  const vp = known(s, env, c.name, c.vpd);
  if (!isVp(vp)) return vp;
  const vps = new Map(env.vps);
  vps.delete(c.vpd);
  const gone = withEnv({ ...s, memory: vpdToMemory(s.memory, c.vpd, vp.vpd) }, { ...withVps(env, vps), current: env.current === c.vpd ? null : env.current });
  return ok(c.iva === 0n ? gone : setIva(gone, c.iva), c.name, `VP ${hex(c.vpd)} terminated${c.iva === 0n ? '' : `; IVA = ${hex(c.iva)}`}`);
};

/**
 * Implements VTI.PAL.VP_EXIT_ENV.OK, VTI.PAL.VP_EXIT_ENV.VM_DISABLED, VTI.PAL.VP_EXIT_ENV.NO_ENV.
 * Every VPD goes back to memory.
 */
const exitEnv = (p: VtiProfile, s: VtiState, c: Extract<PalProcedureCall, { name: 'PAL_VP_EXIT_ENV' }>): Decision => {
  const env = prologue(p, s, c.name, true);
  if (env === null || isDecision(env)) return env ?? procedureError(s, c.name, 'NO_ENV', 'no environment');
  const memory = [...env.vps].reduce((m, [base, vp]) => vpdToMemory(m, base, vp.vpd), s.memory);
  return ok(setIva({ ...s, memory, pal: { status: 'not-initialised' } }, c.iva), c.name, `left the virtual environment; IVA = ${hex(c.iva)}`);
};

/**
 * Implements VTI.PAL.VP_ENV_INFO.OK, VTI.PAL.VP_ENV_INFO.VM_DISABLED.
 */
const envInfo = (p: VtiProfile, s: VtiState): Decision => {
  const pre = prologue(p, s, 'PAL_VP_ENV_INFO', false);
  if (isDecision(pre)) return pre;
  return ok(s, 'PAL_VP_ENV_INFO', `buffer_size ${hex(p.envBufferSize)}, vp_env_info ${hex(p.vpEnvInfo)}`, [p.envBufferSize, p.vpEnvInfo]);
};

/**
 * Implements VTI.PAL.VP_INFO.PHYSICAL.
 */
const info = (s: VtiState): Decision => procedureError(s, 'PAL_VP_INFO', 'PHYSICAL', 'a physical processor answers -1; a VMM answers its guests');

export const palProcedure = (p: VtiProfile, s: VtiState, call: PalProcedureCall): Decision =>
  match(call)
    .with({ name: 'PAL_VP_INIT_ENV' }, (c) => initEnv(p, s, c))
    .with({ name: 'PAL_VP_CREATE' }, (c) => create(p, s, c))
    .with({ name: 'PAL_VP_REGISTER' }, (c) => register(p, s, c))
    .with({ name: 'PAL_VP_RESTORE' }, (c) => restore(p, s, c))
    .with({ name: 'PAL_VP_SAVE' }, (c) => save(p, s, c))
    .with({ name: 'PAL_VP_TERMINATE' }, (c) => terminate(p, s, c))
    .with({ name: 'PAL_VP_EXIT_ENV' }, (c) => exitEnv(p, s, c))
    .with({ name: 'PAL_VP_ENV_INFO' }, () => envInfo(p, s))
    .with({ name: 'PAL_VP_INFO' }, () => info(s))
    .exhaustive();
