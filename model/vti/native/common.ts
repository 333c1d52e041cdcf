/**
 * What every instruction's semantics share: the step context, completion (IP to the next slot,
 * CR.IIPA's source updated), taken branches with the unimplemented-instruction-address check, and the
 * NaT-consumption check.
 */
import type { VtiProfile } from '../../../spec/vti/machine/profile.js';
import type { Gr, VtiState } from '../../../spec/vti/machine/state.js';
import { hex, psrGet, psrSet } from '../bits.js';
import { vaImplemented } from '../address-space.js';
import { raise } from '../interruption.js';
import { because, decided, type Decision, type Trace } from '../outcome.js';
import { readGr, writeGr } from '../registers.js';

export interface Ctx {
  readonly profile: VtiProfile;
  /** The state before the instruction. */
  readonly state: VtiState;
}

const next = (ip: bigint, ri: bigint): { ip: bigint; ri: bigint } => (ri >= 2n ? { ip: ip + 16n, ri: 0n } : { ip, ri: ri + 1n });

/**
 * CR.IIPA's source after an instruction completed: it becomes the "last successfully executed
 * instruction" only if PSR.ic was 1 before it ran (SDM 2:40, §3.3.5.6; so an rfi that sets ic does not).
 */
const lastIp = (ctx: Ctx): bigint => (psrGet(ctx.state.psr, 'ic') === 1n ? ctx.state.ip : ctx.state.lastIp);

/**
 * The instruction completed with `after` as its effect (and `result` written to r1): the IP moves to
 * the next slot, and CR.IIPA's source follows (see lastIp).
 */
export const complete = (ctx: Ctx, after: VtiState, trace: readonly Trace[], result?: { readonly r1: number; readonly g: Gr }): Decision => {
  const n = next(ctx.state.ip, psrGet(ctx.state.psr, 'ri'));
  const written = result === undefined ? after : writeGr(after, result.r1, result.g);
  const s = { ...written, ip: n.ip, psr: psrSet(written.psr, 'ri', n.ri), lastIp: lastIp(ctx) };
  return decided(result === undefined ? { kind: 'executed' } : { kind: 'executed', value: result.g.value, ...(result.g.nat ? { nat: true } : {}) }, s, trace);
};

/**
 * A taken branch to `target` with `after` as its other effects; `ri` is the slot to resume at (rfi:
 * IPSR.ri). Implements VTI.UNIMPL_VA.INSTRUCTION: a target outside the implemented addresses of the
 * new context (PSR.vm = 1 has one bit less) takes the Unimplemented Instruction Address trap, IIP =
 * IFA = the target, ISR.ei = the branch's slot. Processors may report it instead as a fault on the
 * fetch of the target, which looks the same except ISR.ei = the target's slot (SDM 2:206): permitted.
 */
export const branchTo = (ctx: Ctx, after: VtiState, target: bigint, trace: readonly Trace[], ri = 0n): Decision => {
  const ip = target & ~0xfn;
  const s = { ...after, ip, psr: psrSet(after.psr, 'ri', ri), lastIp: lastIp(ctx) };
  if (vaImplemented(ctx.profile, s.psr, ip)) return decided({ kind: 'executed' }, s, trace);
  const t = [...trace, because('VTI.UNIMPL_VA.INSTRUCTION', `branch target ${hex(ip)} uses an unimplemented address bit (PSR.vm = ${psrGet(s.psr, 'vm')})`)];
  const trap = raise(s, 'unimplementedInstructionAddress', t, { ifa: ip, ei: psrGet(ctx.state.psr, 'ri') });
  const fault = raise(s, 'unimplementedInstructionAddress', t, { ifa: ip });
  return { ...trap, alternatives: [{ observation: fault.observation, state: fault.state }] };
};

/** Register NaT Consumption fault when a consumed source is NaT (VTI.NATIVE.NAT_CONSUMPTION), else null. */
export const natConsumption = (ctx: Ctx, regs: readonly number[], trace: readonly Trace[] = []): Decision | null => {
  const r = regs.find((x) => readGr(ctx.state, x).nat);
  return r === undefined ? null
    : raise(ctx.state, 'registerNatConsumption', [...trace, because('VTI.NATIVE.NAT_CONSUMPTION', `source r${r} is NaT`)]);
};

export const val = (ctx: Ctx, r: number): bigint => readGr(ctx.state, r).value;
export const gr = (value: bigint, nat = false): Gr => ({ value, nat });
