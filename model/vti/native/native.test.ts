import { describe, expect, it } from 'vitest';
import { initialVtiState } from '../../../spec/vti/machine/initial.js';
import { NO_VT_PROFILE } from '../../../spec/vti/machine/profile.js';
import { PSR_MOV_FROM_MASK } from '../../../spec/vti/psr.js';
import { P, PSR, gr, guest, native, next, obs, run, withCr, withGr, withPsr } from '../testing.js';
import { shortFormatHash } from './translation.js';

/** The VMM (PSR.vm = 0) at cpl 0 with a 16-register frame. */
const vmm = () => native(guest());
const ENTRY = { vadr: 0x0000_0000_0004_0000n, rid: 0n, ps: 14, pte: (0x1234n << 12n) | (2n << 9n) | 1n, key: 0x55n };

describe('native execution (PSR.vm = 0)', () => {
  it('VTI.NATIVE.REGISTER_FRAME: naming GR32 + sof or above, or writing GR0, is an Illegal Operation fault', () => {
    expect(obs(run(vmm(), { op: 'mov-imm', r1: 48, imm: 1n }))).toMatchObject({ vector: 0x5400, isrCode: 0 });
    expect(obs(run(vmm(), { op: 'mov-imm', r1: 0, imm: 1n }))).toMatchObject({ vector: 0x5400, isrCode: 0 });
    expect(obs(run(vmm(), { op: 'mov-imm', r1: 47, imm: 1n })).kind).toBe('executed');
  });
  it('VTI.NATIVE.NAT_CONSUMPTION: a NaT source of mov to cr faults (0x5600); add propagates NaT instead', () => {
    const s = withGr(vmm(), { 33: { value: 1n, nat: true } });
    expect(obs(run(s, { op: 'mov-to-cr', cr: 8, r2: 33 }))).toMatchObject({ vector: 0x5600, isrCode: 0x10 });
    expect(obs(run(s, { op: 'add', r1: 34, r2: 33, r3: 33 }))).toEqual({ kind: 'executed', value: 2n, nat: true });
  });
  it('VTI.NATIVE.MOV_CR: mov cr.pta = r2 writes it; IVR cannot be written', () => {
    const s = withGr(vmm(), { 33: 0x8000n });
    expect(next(run(s, { op: 'mov-to-cr', cr: 8, r2: 33 })).cr.get(8)).toBe(0x8000n);
    expect(obs(run(s, { op: 'mov-to-cr', cr: 65, r2: 33 }))).toMatchObject({ vector: 0x5400, isrCode: 0 });
    expect(obs(run(s, { op: 'mov-from-cr', r1: 34, cr: 26 }))).toMatchObject({ vector: 0x5400 });
  });
  it('VTI.NATIVE.MOV_PSR: mov psr.l writes PSR{31:0}, mov from psr reads {31:0, 36:35}, reserved bits fault', () => {
    const s = withGr(vmm(), { 33: PSR.ic | PSR.dt | PSR.up });
    const a = next(run(s, { op: 'mov-to-psr-l', r2: 33 }));
    expect(a.psr & 0xffff_ffffn).toBe(PSR.ic | PSR.dt | PSR.up);
    expect(a.psr & ~(0xffff_ffffn | PSR.ri)).toBe(s.psr & ~(0xffff_ffffn | PSR.ri));
    expect(a.psr & PSR.ri).toBe(1n << 41n);
    expect(obs(run(s, { op: 'mov-from-psr', r1: 34 }))).toEqual({ kind: 'executed', value: s.psr & PSR_MOV_FROM_MASK });
    expect(obs(run(withGr(s, { 33: 1n << 7n }), { op: 'mov-to-psr-l', r2: 33 }))).toMatchObject({ vector: 0x5400, isrCode: 0x30 });
    expect(next(run(withGr(guest({ cpl: 3 }), { 33: 0x3en }), { op: 'mov-to-psr-um', r2: 33 })).psr & 0x3en).toBe(0x3en);
    expect(obs(run(guest({ cpl: 3 }), { op: 'mov-from-psr-um', r1: 33 })).kind).toBe('executed');
  });
  it('VTI.NATIVE.SSM_RSM: ssm / rsm set and clear PSR bits', () => {
    const off = next(run(vmm(), { op: 'rsm', imm24: Number(PSR.i) }));
    expect(off.psr & PSR.i).toBe(0n);
    expect(next(run(off, { op: 'ssm', imm24: Number(PSR.i) })).psr & PSR.i).toBe(PSR.i);
  });
  it('VTI.NATIVE.RFI: rfi loads PSR from IPSR, IP from IIP, restores the IFS frame and sets CFLE', () => {
    const covered = next(run(withPsr(vmm(), 0n, PSR.ic), { op: 'cover' }));
    const s = withCr({ ...covered, rse: { ...covered.rse, cfle: false } }, { 16: PSR.dt | PSR.it | PSR.rt | PSR.ic | (1n << 41n), 19: 0x8000n });
    const a = next(run(s, { op: 'rfi' }));
    expect(a.ip).toBe(0x8000n);
    expect(a.psr).toBe(PSR.dt | PSR.it | PSR.rt | PSR.ic | (1n << 41n));
    expect(a.rse.cfm).toEqual({ sof: 16, sol: 8 });
    expect(a.rse.cfle).toBe(true);
  });
  it('VTI.NATIVE.RFI: on a processor without the VM features IPSR.vm does not reach the PSR; with them it does', () => {
    const s = withCr(vmm(), { 16: PSR.dt | PSR.it | PSR.rt | PSR.vm, 19: 0x8000n });
    expect(next(run(s, { op: 'rfi' }, NO_VT_PROFILE)).psr).toBe(PSR.dt | PSR.it | PSR.rt);
    expect(next(run(s, { op: 'rfi' })).psr).toBe(PSR.dt | PSR.it | PSR.rt | PSR.vm);
  });
  it('VTI.NATIVE.BSW: bsw.0 switches GR16-31 to bank 0 and clears PSR.bn', () => {
    const s = withGr(vmm(), { 17: 0x17n });
    const a = next(run(s, { op: 'bsw', bank: 0 }));
    expect(a.psr & PSR.bn).toBe(0n);
    expect(a.grInactiveBank[1]?.value).toBe(0x17n);
    expect(gr(next(run(a, { op: 'bsw', bank: 1 })), 17).value).toBe(0x17n);
  });
  it('VTI.NATIVE.COVER: cover empties the frame; IFS = v | CFM only with PSR.ic = 0', () => {
    const a = next(run(withPsr(vmm(), 0n, PSR.ic), { op: 'cover' }));
    expect(a.rse.cfm).toEqual({ sof: 0, sol: 0 });
    expect(a.cr.get(23)).toBe((1n << 63n) | 16n | (8n << 7n));
    expect(next(run(vmm(), { op: 'cover' })).cr.get(23)).toBe(vmm().cr.get(23));
  });
  it('VTI.NATIVE.THASH: the short-format hash is architectural; the long format leaves the value open', () => {
    const pta = 0x0000_0000_0100_0000n | (15n << 2n) | 1n;
    const s = withCr({ ...withGr(vmm(), { 34: 0x2000_0000_0004_0000n }), rr: [0n, 14n << 2n, 0n, 0n, 0n, 0n, 0n, 0n] }, { 8: pta });
    const o = run(s, { op: 'thash', r1: 33, r3: 34 });
    expect(obs(o)).toEqual({ kind: 'executed', value: shortFormatHash(0x2000_0000_0004_0000n, pta, 14n << 2n) });
    expect(shortFormatHash(0x2000_0000_0004_0000n, pta, 14n << 2n)).toBe(0x2000_0000_0100_0000n | (((0x2000_0000_0004_0000n >> 14n) << 3n) & 0x7fffn));
    expect(o.anyValue).toEqual([]);
    expect(run(withCr(s, { 8: pta | (1n << 8n) }), { op: 'thash', r1: 33, r3: 34 }).anyValue).toContainEqual({ where: 'executed-value' });
  });
  it('VTI.NATIVE.THASH: below the 2^15 minimum table size the base is PTA{60:15} and offset bits 14:0 are not masked (SDM 2:§4.1.6.1)', () => {
    // PTA.size = 0 with ve and a reserved low bit set: neither reaches the hash.
    const pta = 0x20_0003n;
    const s = withCr({ ...withGr(vmm(), { 34: 0x2000_0000_0000_4000n }), rr: [0n, 13n << 2n, 0n, 0n, 0n, 0n, 0n, 0n] }, { 8: pta });
    expect(obs(run(s, { op: 'thash', r1: 33, r3: 34 }))).toEqual({ kind: 'executed', value: 0x2000_0000_0020_0010n });
  });
  it('VTI.NATIVE.TTAG: the tag is implementation-specific (open value, NaT clear)', () => {
    const o = run(vmm(), { op: 'ttag', r1: 33, r3: 34 });
    expect(obs(o)).toMatchObject({ kind: 'executed' });
    expect(gr(next(o), 33).nat).toBe(false);
    expect(o.anyValue).toContainEqual({ where: 'gr', index: 33 });
  });
  it('VTI.NATIVE.TPA: tpa translates through the DTLB; a miss is an (Alternate) Data TLB fault', () => {
    const s = withGr({ ...vmm(), tlb: { ...vmm().tlb, dtc: [ENTRY] } }, { 34: 0x0000_0000_0004_0123n });
    expect(obs(run(s, { op: 'tpa', r1: 33, r3: 34 }))).toEqual({ kind: 'executed', value: 0x1234_123n });
    const miss = run(withGr(s, { 34: 0x10_0000n }), { op: 'tpa', r1: 33, r3: 34 });
    expect(obs(miss)).toMatchObject({ vector: 0x1000, isrCode: 0 });
    expect(next(miss).cr.get(17)).toBe(1n << 35n);
    const absent = { ...s, tlb: { ...s.tlb, dtc: [{ ...ENTRY, pte: ENTRY.pte & ~1n }] } };
    expect(obs(run(absent, { op: 'probe', access: 'r', r1: 33, r3: 34, r2: 0 }))).toMatchObject({ vector: 0x5000, isrCode: 2 });
    expect(obs(run(withCr(withGr(s, { 34: 0x10_0000n }), { 8: 1n }), { op: 'tpa', r1: 33, r3: 34 }))).toMatchObject({ vector: 0x1000 });
    const walker = { ...withCr(withGr(s, { 34: 0x10_0000n }), { 8: 1n }), rr: s.rr.map(() => 1n) };
    expect(obs(run(walker, { op: 'tpa', r1: 33, r3: 34 }))).toMatchObject({ vector: 0x0800 });
  });
  it('VTI.NATIVE.TAK: tak returns the key of the translation, 1 without one', () => {
    const s = withGr({ ...vmm(), tlb: { ...vmm().tlb, dtr: [ENTRY, ...vmm().tlb.dtr.slice(1)] } }, { 34: 0x0000_0000_0004_0010n });
    expect(obs(run(s, { op: 'tak', r1: 33, r3: 34 }))).toEqual({ kind: 'executed', value: 0x55n << 8n });
    expect(obs(run(withGr(s, { 34: 0x8_0000n }), { op: 'tak', r1: 33, r3: 34 }))).toEqual({ kind: 'executed', value: 1n });
  });
  it('VTI.NATIVE.TAK: with PSR.dt = 0 tak still searches the DTLB (SDM 3:260): a hit gives its key', () => {
    const s = withPsr(withGr({ ...vmm(), tlb: { ...vmm().tlb, dtc: [ENTRY] } }, { 34: 0x4_0000n }), 0n, PSR.dt);
    expect(obs(run(s, { op: 'tak', r1: 33, r3: 34 }))).toEqual({ kind: 'executed', value: 0x55n << 8n });
    expect(obs(run(withGr(s, { 34: 0x8_0000n }), { op: 'tak', r1: 33, r3: 34 }))).toEqual({ kind: 'executed', value: 1n });
  });
  it('VTI.NATIVE.CPUID: mov from cpuid returns the register; beyond CPUID[3].number a Reserved Register/Field fault', () => {
    expect(obs(run(vmm(), { op: 'mov-from-cpuid', r1: 33, r3: 0 }))).toEqual({ kind: 'executed', value: P.cpuid[0] });
    expect(obs(run(withGr(vmm(), { 34: 1n }), { op: 'mov-from-cpuid', r1: 33, r3: 34 }))).toEqual({ kind: 'executed', value: P.cpuid[1] });
    expect(obs(run(withGr(vmm(), { 34: 5n }), { op: 'mov-from-cpuid', r1: 33, r3: 34 }))).toMatchObject({ vector: 0x5400, isrCode: 0x30 });
  });
  it('VTI.NATIVE.ITC: itc.d inserts (IFA, ITIR, r2) into the DTC; with PSR.ic = 1 it is an Illegal Operation fault', () => {
    const s = withGr(withCr(withPsr(vmm(), 0n, PSR.ic), { 20: 0x4_0123n, 21: (14n << 2n) | (0x55n << 8n) }), { 33: ENTRY.pte });
    expect(next(run(s, { op: 'itc', side: 'd', r2: 33 })).tlb.dtc).toEqual([ENTRY]);
    expect(obs(run(withPsr(s, PSR.ic), { op: 'itc', side: 'd', r2: 33 }))).toMatchObject({ vector: 0x5400, isrCode: 0 });
  });
  it('VTI.NATIVE.ITR: itr.i inserts into the slot; a slot beyond the implemented ones faults', () => {
    const s = withGr(withCr(withPsr(vmm(), 0n, PSR.ic), { 20: 0x4_0000n, 21: (14n << 2n) | (0x55n << 8n) }), { 33: 2n, 34: ENTRY.pte });
    expect(next(run(s, { op: 'itr', side: 'i', r3: 33, r2: 34 })).tlb.itr[2]).toEqual(ENTRY);
    expect(obs(run(withGr(s, { 33: 8n }), { op: 'itr', side: 'i', r3: 33, r2: 34 }))).toMatchObject({ vector: 0x5400, isrCode: 0x30 });
  });
  it('VTI.NATIVE.PTC: ptc.l purges overlapping TC entries; ptc.e purges the TC', () => {
    const s = withGr({ ...vmm(), tlb: { ...vmm().tlb, dtc: [ENTRY], itc: [ENTRY] } }, { 34: 0x4_0000n, 33: 12n << 2n });
    expect(next(run(s, { op: 'ptc', scope: 'l', r3: 34, r2: 33 })).tlb.dtc).toEqual([]);
    expect(next(run(withGr(s, { 34: 0x8_0000n }), { op: 'ptc', scope: 'g', r3: 34, r2: 33 })).tlb.dtc).toEqual([ENTRY]);
    expect(next(run(s, { op: 'ptc-e', r3: 34 })).tlb.itc).toEqual([]);
  });
  it('VTI.NATIVE.PTR: ptr.d purges overlapping DTRs', () => {
    const s = withGr({ ...vmm(), tlb: { ...vmm().tlb, dtr: [ENTRY, ...vmm().tlb.dtr.slice(1)] } }, { 34: 0x4_0000n, 33: 14n << 2n });
    expect(next(run(s, { op: 'ptr', side: 'd', r3: 34, r2: 33 })).tlb.dtr[0]).toBe(null);
  });
  it('VTI.NATIVE.MOV_IND: rr by r3{63:61}, pkr by r3{7:0} within the implemented count', () => {
    const s = withGr(vmm(), { 33: 0x6000_0000_0000_0000n, 34: 0x1234n, 35: 16n });
    expect(next(run(s, { op: 'mov-to-ind', file: 'rr', r3: 33, r2: 34 })).rr[3]).toBe(0x1234n);
    expect(obs(run(s, { op: 'mov-to-ind', file: 'pkr', r3: 35, r2: 34 }))).toMatchObject({ vector: 0x5400, isrCode: 0x30 });
    expect(obs(run(guest({ cpl: 3 }), { op: 'mov-from-ind', file: 'pmd', r1: 33, r3: 34 })).kind).toBe('executed');
  });
  it('VTI.NATIVE.MOV_AR: reserved ARs are illegal, ignored ones read 0, AR.BSP cannot be written', () => {
    expect(obs(run(vmm(), { op: 'mov-to-ar-imm', ar: 9, imm8: 0 }))).toMatchObject({ vector: 0x5400, isrCode: 0 });
    expect(obs(run(vmm(), { op: 'mov-from-ar', r1: 33, ar: 70 }))).toMatchObject({ vector: 0x5400, isrCode: 0 });
    expect(obs(run(vmm(), { op: 'mov-to-ar-imm', ar: 17, imm8: 0 }))).toMatchObject({ vector: 0x5400, isrCode: 0 });
    const ignored = next(run(vmm(), { op: 'mov-to-ar-imm', ar: 50, imm8: 5 }));
    expect(obs(run(ignored, { op: 'mov-from-ar', r1: 33, ar: 50 }))).toEqual({ kind: 'executed', value: 0n });
  });
  it('VTI.NATIVE.MOV_AR: mov ar = imm8 sign-extends; mov r1 = ar reads', () => {
    const a = next(run(vmm(), { op: 'mov-to-ar-imm', ar: 65, imm8: -1 }));
    expect(a.ar.get(65)).toBe((1n << 64n) - 1n);
    expect(obs(run(a, { op: 'mov-from-ar', r1: 33, ar: 65 }))).toEqual({ kind: 'executed', value: (1n << 64n) - 1n });
  });
  it('VTI.NATIVE.PROBE: probe.w answers from the DTLB access rights', () => {
    const s = withGr({ ...vmm(), tlb: { ...vmm().tlb, dtc: [ENTRY] } }, { 34: 0x4_0000n, 35: 0n });
    expect(obs(run(s, { op: 'probe', access: 'w', r1: 33, r3: 34, r2: 35 }))).toEqual({ kind: 'executed', value: 1n });
    const ro = { ...s, tlb: { ...s.tlb, dtc: [{ ...ENTRY, pte: 1n }] } };
    expect(obs(run(ro, { op: 'probe', access: 'w', r1: 33, r3: 34, r2: 35 }))).toEqual({ kind: 'executed', value: 0n });
  });
  it('VTI.NATIVE.PROBE_DTLB_ONLY: with PSR.dt = 0 a probe miss is an Alternate Data TLB fault, though the VHPT walker is enabled', () => {
    // PTA.ve = 1 and RR[0].ve = 1: with PSR.dt = 1 the miss is a Data TLB fault (0x0800).
    const walker = { ...withCr(withGr(vmm(), { 34: 0x4_0000n, 35: 0n }), { 8: 0x8000_0001n }), rr: [1n | (13n << 2n), ...vmm().rr.slice(1)] };
    const probe = { op: 'probe', access: 'r', r1: 33, r3: 34, r2: 35 } as const;
    expect(obs(run(withPsr(walker, PSR.dt), probe))).toMatchObject({ kind: 'interruption', vector: 0x0800 });
    expect(obs(run(withPsr(walker, 0n, PSR.dt), probe))).toMatchObject({ kind: 'interruption', vector: 0x1000 });
    // A DTLB hit still answers with PSR.dt = 0.
    const hit = withPsr({ ...walker, tlb: { ...walker.tlb, dtc: [ENTRY] } }, 0n, PSR.dt);
    expect(obs(run(hit, probe))).toEqual({ kind: 'executed', value: 1n });
  });
  it('VTI.NATIVE.BRANCH: br.call makes the outputs the frame; br.ret restores the caller\'s frame and locals', () => {
    const s = { ...withGr(vmm(), { 32: 0x32n, 40: 0x40n }), ar: new Map([[66, 3n]]) };
    const called = next(run(s, { op: 'br-call', b1: 0, target: 0x9000n }));
    expect(called.ar.get(64)).toBe(16n | (8n << 7n) | (3n << 52n));
    const ecChanged = { ...called, ar: new Map([...called.ar, [66, 0n]]) };
    expect(next(run(ecChanged, { op: 'br-ret', b2: 0 })).ar.get(66)).toBe(3n);
    expect(called.ip).toBe(0x9000n);
    expect(called.rse.cfm).toEqual({ sof: 8, sol: 0 });
    expect(gr(called, 32).value).toBe(0x40n);
    expect(called.br[0]).toBe(s.ip + 16n);
    const back = next(run(called, { op: 'br-ret', b2: 0 }));
    expect(back.rse.cfm).toEqual({ sof: 16, sol: 8 });
    expect(gr(back, 32).value).toBe(0x32n);
    expect(gr(back, 40).value).toBe(0x40n);
    expect(back.ip).toBe(s.ip + 16n);
    expect(next(run({ ...s, pr: 1n }, { op: 'br-cond', qp: 5, target: 0x9000n })).ip).toBe(s.ip);
  });
  it('VTI.NATIVE.ALLOC: alloc sets the frame and returns AR.PFS; sol > sof is illegal', () => {
    const s = { ...vmm(), ar: new Map([[64, 0x77n]]) };
    const o = run(s, { op: 'alloc', r1: 40, sof: 20, sol: 10 });
    expect(next(o).rse.cfm).toEqual({ sof: 20, sol: 10 });
    expect(gr(next(o), 40).value).toBe(0x77n);
    expect(obs(run(s, { op: 'alloc', r1: 40, sof: 4, sol: 10 }))).toMatchObject({ vector: 0x5400 });
  });
  it('VTI.NATIVE.COMPUTE: movl, add, cmp, nop; the IP moves slot by slot', () => {
    let s = vmm();
    s = next(run(s, { op: 'mov-imm', r1: 33, imm: 5n }));
    s = next(run(s, { op: 'mov-imm', r1: 34, imm: -7n }));
    s = next(run(s, { op: 'add', r1: 35, r2: 33, r3: 34 }));
    expect(gr(s, 35).value).toBe((1n << 64n) - 2n);
    expect(s.ip).toBe(vmm().ip + 16n);
    s = next(run(s, { op: 'cmp', relation: 'lt', p1: 6, p2: 7, r2: 34, r3: 33 }));
    expect(s.pr & (3n << 6n)).toBe(1n << 6n);
    expect(next(run(s, { op: 'nop' })).lastIp).toBe(s.ip);
    // Only with PSR.ic = 1 before it does an instruction become CR.IIPA's "last successfully executed" (SDM 2:40).
    expect(next(run(withPsr(s, 0n, PSR.ic), { op: 'nop' })).lastIp).toBe(s.lastIp);
  });
  it('VTI.NATIVE.MEMORY: st8 then ld8; unaligned faults; stores inside a VP\'s VPD reach its fields', () => {
    const s = withGr(vmm(), { 33: 0x1000n, 34: 0xabcn, 35: 0x1004n });
    const stored = next(run(s, { op: 'st8', r3: 33, r2: 34 }));
    expect(obs(run(stored, { op: 'ld8', r1: 36, r3: 33 }))).toEqual({ kind: 'executed', value: 0xabcn });
    expect(obs(run(s, { op: 'ld8', r1: 36, r3: 35 }))).toMatchObject({ vector: 0x5a00 });
    const base = s.pal.status === 'initialised' ? s.pal.current ?? 0n : 0n;
    const vpdStore = next(run(withGr(s, { 33: base + 0x590n }), { op: 'st8', r3: 33, r2: 34 }));
    expect(vpdStore.pal.status === 'initialised' && vpdStore.pal.vps.get(base)?.vpd.vpsr).toBe(0xabcn);
  });
  it('VTI.NATIVE.BREAK: break raises the Break Instruction fault with IIM = imm21', () => {
    const o = run(initialVtiState(P), { op: 'break', imm21: 0x1234 });
    expect(obs(o)).toMatchObject({ vector: 0x2c00 });
    expect(next(o).cr.get(24)).toBe(0x1234n);
  });
});
