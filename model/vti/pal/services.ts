/**
 * The PAL_VPS_* services (SDM rev 2.3 §11.11, spec/vti/pal.ts): called with the PSR of
 * VPS_CALLING_CONVENTION, on the restored VP. They return no status; a call outside their contract is
 * undefined. The RESUME services enter the guest like rfi (PSR = IPSR, IP = IIP, the IFS frame),
 * setting the hidden CFLE to 1 (RESUME_NORMAL) or to GR26 bit 63 (RESUME_HANDLER: ITJ "Access to
 * Hidden State").
 */
import { match } from 'ts-pattern';
import type { PalServiceCall } from '../../../spec/vti/machine/events.js';
import type { VtiProfile } from '../../../spec/vti/machine/profile.js';
import { currentVp, type VtiState } from '../../../spec/vti/machine/state.js';
import { VPS_CALLING_CONVENTION } from '../../../spec/vti/pal.js';
import { palRuleId } from '../../../spec/vti/machine/rules.js';
import type { PsrFieldName } from '../../../spec/vti/psr.js';
import { bit, hex, mapGet, mapSet, psrGet } from '../bits.js';
import { because, decided, type Decision } from '../outcome.js';
import { decodeCfm, popFrame, selectBank, writeGr } from '../registers.js';
import { longFormatHash, tag } from '../native/translation.js';
import { serviceUndefined } from './common.js';

/** Why the PSR breaks the service calling convention (SDM §11.11.1), or null. */
const psrViolation = (psr: bigint, resume: boolean): string | null => {
  const zero = [...VPS_CALLING_CONVENTION.psrMustBe0, ...(resume ? ['bn'] : [])].find((f) => psrGet(psr, f as PsrFieldName) !== 0n);
  if (zero !== undefined) return `PSR.${zero} must be 0`;
  const one = VPS_CALLING_CONVENTION.psrMustBe1.find((f) => psrGet(psr, f as PsrFieldName) !== 1n);
  return one === undefined ? null : `PSR.${one} must be 1`;
};

const returned = (s: VtiState, name: string, verdict: string, gr31?: bigint): Decision =>
  decided({ kind: 'pal-return', status: 0, values: gr31 === undefined ? [] : [gr31] },
    gr31 === undefined ? s : writeGr(s, 31, { value: gr31, nat: false }), [because(palRuleId(name, 'OK'), verdict)]);

/** The services that need the restored VP: check it is `vpd`. */
const onCurrent = (s: VtiState, vpd: bigint) => {
  const cur = currentVp(s);
  return cur !== null && cur.address === vpd ? cur : null;
};

const A_VAC_MASK = (1n << 63n) - 1n;

/**
 * Enter the guest from the machine interruption registers, as the resume services end (LK/XEN
 * ia64_vmm_entry: the VMM sets IPSR, IIP, IFS and calls the service).
 */
const enter = (s: VtiState, vbr0: bigint, cfle: boolean): VtiState => {
  const ipsr = mapGet(s.cr, 16);
  const ifs = mapGet(s.cr, 23);
  const framed = bit(ifs, 63) ? popFrame(s, decodeCfm(ifs).sof, decodeCfm(ifs)) : s;
  const banked = selectBank(framed, psrGet(ipsr, 'bn') === 1n ? 1n : 0n);
  return { ...banked, psr: ipsr, ip: mapGet(s.cr, 19) & ~0xfn, br: banked.br.map((b, i) => (i === 0 ? vbr0 : b)), rse: { ...banked.rse, cfle } };
};

/**
 * Implements VTI.PAL.VPS_RESUME_NORMAL.OK, VTI.PAL.VPS_RESUME_NORMAL.PSR,
 * VTI.PAL.VPS_RESUME_NORMAL.NOT_CURRENT, VTI.PAL.VPS_RESUME_NORMAL.VPSR_IC, VTI.PAL.VPS_RESUME_HANDLER.OK, VTI.PAL.VPS_RESUME_HANDLER.PSR,
 * VTI.PAL.VPS_RESUME_HANDLER.NOT_CURRENT, VTI.PAL.VPS_RESUME_HANDLER.VAC_MISMATCH.
 */
const resume = (s: VtiState, c: Extract<PalServiceCall, { name: 'PAL_VPS_RESUME_NORMAL' | 'PAL_VPS_RESUME_HANDLER' }>): Decision => {
  const bad = psrViolation(s.psr, true);
  if (bad !== null) return serviceUndefined(s, c.name, 'PSR', bad);
  const cur = onCurrent(s, c.vpd);
  if (cur === null) return serviceUndefined(s, c.name, 'NOT_CURRENT', `${hex(c.vpd)} is not the restored VP`);
  const vpd = cur.vp.vpd;
  if (c.name === 'PAL_VPS_RESUME_NORMAL') {
    if (psrGet(vpd.vpsr, 'ic') === 0n && (vpd.vac !== 0n || vpd.vdc !== 0n)) {
      return serviceUndefined(s, c.name, 'VPSR_IC', 'vpsr.ic = 0 with accelerations or disables on (use PAL_VPS_RESUME_HANDLER)');
    }
    const e = enter(s, c.vbr0, true);
    return decided({ kind: 'guest-resumed', ip: e.ip }, e, [because(palRuleId(c.name, 'OK'), `guest entered at ${hex(e.ip)} (PSR = IPSR), CFLE = 1`)]);
  }
  if ((c.vacCfle & A_VAC_MASK) !== vpd.vac) return serviceUndefined(s, c.name, 'VAC_MISMATCH', `GR26 vac ${hex(c.vacCfle & A_VAC_MASK)} is not the VPD's ${hex(vpd.vac)}`);
  const cfle = bit(c.vacCfle, 63);
  const e = enter(s, c.vbr0, cfle);
  return decided({ kind: 'guest-resumed', ip: e.ip }, e, [because(palRuleId(c.name, 'OK'), `guest handler entered at ${hex(e.ip)}, CFLE = ${cfle ? 1 : 0} (GR26 bit 63)`)]);
};

/**
 * Implements VTI.PAL.VPS_SYNC_READ.OK, VTI.PAL.VPS_SYNC_READ.PSR, VTI.PAL.VPS_SYNC_READ.NOT_CURRENT,
 * VTI.PAL.VPS_SYNC_WRITE.OK, VTI.PAL.VPS_SYNC_WRITE.PSR, VTI.PAL.VPS_SYNC_WRITE.NOT_CURRENT,
 * VTI.PAL.VPS_SET_PENDING_INTERRUPT.OK, VTI.PAL.VPS_SET_PENDING_INTERRUPT.PSR,
 * VTI.PAL.VPS_SET_PENDING_INTERRUPT.NOT_CURRENT, VTI.PAL.VPS_SAVE.OK, VTI.PAL.VPS_SAVE.PSR,
 * VTI.PAL.VPS_SAVE.NOT_CURRENT.
 */
const onVp = (s: VtiState, c: Extract<PalServiceCall, { name: 'PAL_VPS_SYNC_READ' | 'PAL_VPS_SYNC_WRITE' | 'PAL_VPS_SET_PENDING_INTERRUPT' | 'PAL_VPS_SAVE' }>): Decision => {
  const bad = psrViolation(s.psr, false);
  if (bad !== null) return serviceUndefined(s, c.name, 'PSR', bad);
  const cur = onCurrent(s, c.vpd);
  if (cur === null) return serviceUndefined(s, c.name, 'NOT_CURRENT', `${hex(c.vpd)} is not the restored VP`);
  switch (c.name) {
    case 'PAL_VPS_SYNC_READ':
      return returned(s, c.name, 'the VPD is already current in this model (no implementation resources)');
    case 'PAL_VPS_SYNC_WRITE':
      return returned(s, c.name, 'nothing to push in this model (the VPD is read directly)');
    case 'PAL_VPS_SET_PENDING_INTERRUPT':
      return returned({ ...s, pendingVirtualInterrupt: cur.vp.vpd.vhpi }, c.name, `the processor now knows vhpi = ${cur.vp.vpd.vhpi}`);
    case 'PAL_VPS_SAVE':
      return returned(s.pal.status === 'initialised' ? { ...s, pal: { ...s.pal, current: null } } : s, c.name,
        `VP ${hex(c.vpd)} saved${c.skipSync === 1n ? ' (no implicit sync)' : ''}; IVA still its host IVT`);
  }
};

/**
 * Implements VTI.PAL.VPS_RESTORE.OK, VTI.PAL.VPS_RESTORE.PSR, VTI.PAL.VPS_RESTORE.UNKNOWN_VP.
 * IVA = the VP's host IVT, vhpi latched.
 */
const restore = (s: VtiState, c: Extract<PalServiceCall, { name: 'PAL_VPS_RESTORE' }>): Decision => {
  const bad = psrViolation(s.psr, false);
  if (bad !== null) return serviceUndefined(s, c.name, 'PSR', bad);
  const vp = s.pal.status === 'initialised' ? s.pal.vps.get(c.vpd) : undefined;
  if (vp === undefined || s.pal.status !== 'initialised') return serviceUndefined(s, c.name, 'UNKNOWN_VP', `${hex(c.vpd)} is not a created VP`);
  const restored: VtiState = { ...s, cr: mapSet(s.cr, 2, vp.hostIva), pal: { ...s.pal, current: c.vpd }, pendingVirtualInterrupt: vp.vpd.vhpi };
  return returned(restored, c.name, `VP ${hex(c.vpd)} restored; IVA = ${hex(vp.hostIva)}`);
};

/**
 * Implements VTI.PAL.VPS_THASH.OK, VTI.PAL.VPS_THASH.PSR, VTI.PAL.VPS_TTAG.OK and
 * VTI.PAL.VPS_TTAG.PSR: the long-format hash and tag are implementation-specific, so the value (GR31) is open.
 */
const hashing = (s: VtiState, c: Extract<PalServiceCall, { name: 'PAL_VPS_THASH' | 'PAL_VPS_TTAG' }>): Decision => {
  const bad = psrViolation(s.psr, false);
  if (bad !== null) return serviceUndefined(s, c.name, 'PSR', bad);
  const v = c.name === 'PAL_VPS_THASH' ? longFormatHash(c.vadr, c.vpta, c.vrr) : tag(c.vadr, c.vrr);
  const d = returned(s, c.name, `${c.name === 'PAL_VPS_THASH' ? 'long-format hash' : 'tag'} in GR31 (implementation-specific value)`, v);
  return { ...d, anyValue: [{ where: 'pal-value', index: 0 }, { where: 'gr', index: 31 }] };
};

export const palService = (_p: VtiProfile, s: VtiState, call: PalServiceCall): Decision =>
  match(call)
    .with({ name: 'PAL_VPS_RESUME_NORMAL' }, { name: 'PAL_VPS_RESUME_HANDLER' }, (c) => resume(s, c))
    .with({ name: 'PAL_VPS_SYNC_READ' }, { name: 'PAL_VPS_SYNC_WRITE' }, { name: 'PAL_VPS_SET_PENDING_INTERRUPT' }, { name: 'PAL_VPS_SAVE' }, (c) => onVp(s, c))
    .with({ name: 'PAL_VPS_RESTORE' }, (c) => restore(s, c))
    .with({ name: 'PAL_VPS_THASH' }, { name: 'PAL_VPS_TTAG' }, (c) => hashing(s, c))
    .exhaustive();
