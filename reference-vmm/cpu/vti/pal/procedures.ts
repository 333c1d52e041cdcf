/**
 * The PAL_VP_* procedures as a state machine (SDM §11.10): each procedure's success and error returns
 * (spec/vti/machine/rules.ts PAL_PROCEDURE_ERRORS), every rule named at its own check. One step is the whole call; the status goes to GR8
 * and the returned values to GR9.. (the static calling convention's return registers); the IP does not
 * move (the call's branch and return are not modelled).
 *
 * Errors are checked in the order of the rules table. Our additions (README.md): PAL_VP_CREATE also
 * rejects (-2) a VPD overlapping an existing one, since the two would share memory.
 */
import type { PalProcedureCall } from '../../../../spec/vti/machine/events.js';
import type { VtiObservation } from '../../../../spec/vti/machine/observation.js';
import { vmFeaturesEnabled, type VtiProfile } from '../../../../spec/vti/machine/profile.js';
import { VPD_OFFSETS } from '../../../../spec/vti/machine/state.js';
import { PAL_VP_CONFIG_OPTIONS } from '../../../../spec/vti/pal.js';
import { VPD_ALIGNMENT, VPD_SIZE } from '../../../../spec/vti/vpd.js';
import { bitOf, u64, VAC, VAC_DEFINED, VDC, VDC_DEFINED } from '../bits.js';
import { CR, OPTION } from '../interruption.js';
import type { Machine, MutableVp, PalEnv } from '../machine.js';
import { word } from '../vpd-words.js';

const SIZE = BigInt(VPD_SIZE);

export const palReturn = (m: Machine, status: number, values: readonly bigint[] = []): VtiObservation => {
  m.setGr(8, u64(BigInt(status)));
  values.forEach((v, i) => m.setGr(9 + i, v));
  return { kind: 'pal-return', status, values: [...values] };
};

/**
 * The vac/vdc combinations PAL accepts: defined bits only, and not a_int with d_extint (SDM
 * §11.7.4.3.2). Its -2 is VTI.PAL.VP_CREATE.BAD_CONTROLS and VTI.PAL.VP_REGISTER.BAD_CONTROLS.
 */
export const controlsSupported = (vac: bigint, vdc: bigint): boolean => {
  if ((vac & ~VAC_DEFINED) !== 0n || (vdc & ~VDC_DEFINED) !== 0n) return false;
  const aInt = VAC('a_int');
  const dExtint = VDC('d_extint');
  return !(aInt !== null && dExtint !== null && bitOf(vac, aInt) && bitOf(vdc, dExtint));
};

/** The config_options bits PAL_VP_INIT_ENV accepts: those with a known position, gitc only where supported. */
const knownOptions = (p: VtiProfile): bigint => PAL_VP_CONFIG_OPTIONS.reduce(
  (mask, o) => (o.bit === null || (o.name === 'gitc' && !p.gitc) ? mask : mask | (1n << BigInt(o.bit))), 0n);

const aligned = (v: bigint, to: number): boolean => (v & BigInt(to - 1)) === 0n;

/** Move the words of [vpd, vpd + 64 KiB) out of plain memory: a created VP's VPD lives in its record. */
const takeVpd = (m: Machine, base: bigint): Map<number, bigint> => {
  const words = new Map<number, bigint>();
  for (const [addr, v] of [...m.memory]) {
    if (addr >= base && addr < base + SIZE && ((addr - base) & 7n) === 0n) {
      if (v !== 0n) words.set(Number(addr - base), v);
      m.memory.delete(addr);
    }
  }
  return words;
};

/** A VPD going back to being plain memory (PAL_VP_TERMINATE, PAL_VP_EXIT_ENV). */
const releaseVpd = (m: Machine, base: bigint, vp: MutableVp): void => {
  for (const [offset, v] of vp.words) m.memory.set(base + BigInt(offset), v);
};

export const palProcedure = (m: Machine, p: VtiProfile, call: PalProcedureCall): VtiObservation => {
  // VTI.PAL.VP_INFO.PHYSICAL: PAL_VP_INFO is answered by a VMM; a physical processor returns -1.
  if (call.name === 'PAL_VP_INFO') return palReturn(m, -1);
  // VM features disabled (PAL_PROC_GET_FEATURES bit 40 clear): every other procedure returns -1.
  // VTI.PAL.VP_CREATE.VM_DISABLED, VTI.PAL.VP_ENV_INFO.VM_DISABLED, VTI.PAL.VP_EXIT_ENV.VM_DISABLED,
  // VTI.PAL.VP_INIT_ENV.VM_DISABLED, VTI.PAL.VP_REGISTER.VM_DISABLED, VTI.PAL.VP_RESTORE.VM_DISABLED,
  // VTI.PAL.VP_SAVE.VM_DISABLED, VTI.PAL.VP_TERMINATE.VM_DISABLED.
  if (!vmFeaturesEnabled(p)) return palReturn(m, -1);
  // VTI.PAL.VP_ENV_INFO.OK: the buffer size and the vp_env_info vector, whatever the environment.
  if (call.name === 'PAL_VP_ENV_INFO') return palReturn(m, 0, [p.envBufferSize, p.vpEnvInfo]);
  if (call.name === 'PAL_VP_INIT_ENV') {
    const o = call.configOptions;
    // VTI.PAL.VP_INIT_ENV.BAD_OPTIONS: opcode = 0, or a bit without a known position (gitc where unsupported).
    if (!bitOf(o, OPTION.opcode) || (o & ~knownOptions(p)) !== 0n) return palReturn(m, -2);
    // VTI.PAL.VP_INIT_ENV.BAD_BUFFER: both buffer addresses 4 KiB aligned.
    if (!aligned(call.pbaseAddr, 0x1000) || !aligned(call.vbaseAddr, 0x1000)) return palReturn(m, -2);
    // VTI.PAL.VP_INIT_ENV.ALREADY: this processor is already in the virtual environment (-3).
    if (m.env !== null) return palReturn(m, -3);
    // VTI.PAL.VP_INIT_ENV.OK: the processor enters the environment; GR9 = vsa_base.
    m.env = { configOptions: o, bufferPhysical: call.pbaseAddr, bufferVirtual: call.vbaseAddr, vsaBase: p.vsaBase, vps: new Map(), current: null };
    return palReturn(m, 0, [p.vsaBase]);
  }
  const env: PalEnv | null = m.env;
  // No PAL_VP_INIT_ENV yet: -9. VTI.PAL.VP_CREATE.NO_ENV, VTI.PAL.VP_EXIT_ENV.NO_ENV,
  // VTI.PAL.VP_REGISTER.NO_ENV, VTI.PAL.VP_RESTORE.NO_ENV, VTI.PAL.VP_SAVE.NO_ENV,
  // VTI.PAL.VP_TERMINATE.NO_ENV.
  if (env === null) return palReturn(m, -9);
  switch (call.name) {
    case 'PAL_VP_EXIT_ENV':
      // VTI.PAL.VP_EXIT_ENV.OK: the processor leaves the environment; its VPDs go back to memory.
      for (const [base, vp] of env.vps) releaseVpd(m, base, vp);
      m.env = null;
      m.setCr(CR.iva, call.iva);
      return palReturn(m, 0);
    case 'PAL_VP_CREATE': {
      const base = call.vpd;
      // VTI.PAL.VP_CREATE.BAD_VPD: not 32 KiB aligned, or already (part of) a created VP.
      const overlapping = [...env.vps.keys()].some((b) => base < b + SIZE && b < base + SIZE);
      if (!aligned(base, VPD_ALIGNMENT) || overlapping) return palReturn(m, -2);
      // VTI.PAL.VP_CREATE.BAD_CONTROLS (controlsSupported).
      const vac = m.memory.get(base + BigInt(VPD_OFFSETS.vac)) ?? 0n;
      const vdc = m.memory.get(base + BigInt(VPD_OFFSETS.vdc)) ?? 0n;
      if (!controlsSupported(vac, vdc)) return palReturn(m, -2);
      // VTI.PAL.VP_CREATE.BAD_ENV_ADDR: virt_env_vaddr must be PAL_VP_INIT_ENV's vbase_addr.
      if ((m.memory.get(base + BigInt(VPD_OFFSETS.virtEnvVaddr)) ?? 0n) !== env.bufferVirtual) return palReturn(m, -2);
      // VTI.PAL.VP_CREATE.OK: the VPD's words become the new VP, with its host IVT and opt_handler.
      env.vps.set(base, { words: takeVpd(m, base), hostIva: call.hostIva, optHandler: call.optHandler });
      return palReturn(m, 0);
    }
    default:
      break;
  }
  const vp = env.vps.get(call.vpd);
  switch (call.name) {
    case 'PAL_VP_REGISTER':
      // VTI.PAL.VP_REGISTER.UNKNOWN_VP, then VTI.PAL.VP_REGISTER.BAD_CONTROLS (controlsSupported).
      if (vp === undefined) return palReturn(m, -2);
      if (!controlsSupported(word(vp.words, VPD_OFFSETS.vac), word(vp.words, VPD_OFFSETS.vdc))) return palReturn(m, -2);
      // VTI.PAL.VP_REGISTER.OK: a new host IVT and intercept handler; CR.IVA is not changed.
      vp.hostIva = call.hostIva;
      vp.optHandler = call.optHandler;
      return palReturn(m, 0);
    case 'PAL_VP_RESTORE':
      // VTI.PAL.VP_RESTORE.UNKNOWN_VP.
      if (vp === undefined) return palReturn(m, -2);
      // VTI.PAL.VP_RESTORE.OK: the VP becomes current, CR.IVA = its host IVT, its vhpi is latched.
      env.current = call.vpd;
      m.setCr(CR.iva, vp.hostIva);
      m.pendingVirtualInterrupt = word(vp.words, VPD_OFFSETS.vhpi);
      return palReturn(m, 0);
    case 'PAL_VP_SAVE':
      // VTI.PAL.VP_SAVE.NOT_CURRENT: vpd is not the VP restored here.
      if (vp === undefined || env.current !== call.vpd) return palReturn(m, -2);
      // VTI.PAL.VP_SAVE.OK: no VP is current; CR.IVA stays the host IVT (nothing to sync, README.md).
      env.current = null;
      return palReturn(m, 0);
    case 'PAL_VP_TERMINATE':
      // VTI.PAL.VP_TERMINATE.UNKNOWN_VP.
      if (vp === undefined) return palReturn(m, -2);
      // VTI.PAL.VP_TERMINATE.OK: the VP is freed and its VPD is plain memory again.
      releaseVpd(m, call.vpd, vp);
      env.vps.delete(call.vpd);
      if (env.current === call.vpd) env.current = null;
      if (call.iva !== 0n) m.setCr(CR.iva, call.iva);
      return palReturn(m, 0);
  }
};
