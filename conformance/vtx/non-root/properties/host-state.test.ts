/**
 * Issue 4 acceptance: "Host state after every exit equals what §27.5 (2016 edition) prescribes".
 * Random host-state areas and VM-exit controls a VM entry on the profile would accept (§26.2.2–26.2.4),
 * random guest registers at the moment of the exit, random exit information, and a random VM-exit
 * MSR-load list of loadable MSRs (§27.6). The expected host registers are built here from the SDM's
 * sentences (§27.5.1–27.5.5, §27.6), from the generated values — not by reading the VMCS back, and not
 * through model code — and every CpuRegisters member is compared. Where §27.5.2 leaves a value
 * undefined (the base, limit and most access rights of an unusable register) only what it defines is
 * compared.
 */
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { NO_EXIT_INFORMATION, type ExitInformation } from '../../../../spec/vtx/non-root/observation.js';
import { BUILTIN_PROFILES, type BuiltinProfileName } from '../../../../spec/vtx/profiles/index.js';
import {
  readMemory64, SEGMENT_NAMES, type ActivityState, type CpuRegisters, type SegmentName, type SegmentRegister, type SegmentRegisters,
} from '../../../../spec/vtx/state.js';
import type { FieldName } from '../../../../spec/vtx/vmcs/fields.js';
import { decodeCapabilities, type Capabilities } from '../../../../model/vtx/capabilities.js';
import { vmExit } from '../../../../model/vtx/vm-exit/index.js';
import { profileNameArb } from '../../arbitraries.js';
import { FC_PARAMS } from '../../properties/params.js';
import { nonRootBaseline, withCpu, withMemory, withVmcs } from '../baseline.js';

const U64 = (1n << 64n) - 1n;
const bit = (v: number, n: number): boolean => ((v >>> n) & 1) === 1;

// --- the VM-exit controls and host-state area (valid for the profile, §26.2.1.2, §26.2.2-26.2.4) ---

/** VM-exit controls the property varies (Table 24-12): save debug, HASZ, load PERF_GLOBAL_CTRL, ack, save/load PAT, save/load EFER, save timer, clear BNDCFGS. */
const VARIED_EXIT_CONTROLS = [2, 9, 12, 15, 18, 19, 20, 21, 22, 23];

interface HostArea {
  readonly exitControls: number;
  readonly hasz: boolean;
  readonly cr0: bigint; readonly cr3: bigint; readonly cr4: bigint;
  readonly rip: bigint; readonly rsp: bigint;
  readonly selectors: Readonly<Record<'cs' | 'ss' | 'ds' | 'es' | 'fs' | 'gs' | 'tr', number>>;
  readonly fsBase: bigint; readonly gsBase: bigint; readonly trBase: bigint; readonly gdtrBase: bigint; readonly idtrBase: bigint;
  readonly sysenterCs: bigint; readonly sysenterEsp: bigint; readonly sysenterEip: bigint;
  readonly efer: bigint; readonly pat: bigint; readonly perf: bigint;
}

const canonicalArb = (width: number): fc.Arbitrary<bigint> =>
  fc.tuple(fc.bigInt({ min: 0n, max: (1n << BigInt(width - 1)) - 1n }), fc.boolean())
    .map(([v, high]) => (high ? v | (U64 ^ ((1n << BigInt(width - 1)) - 1n)) : v));
const selectorArb = (nonZero: boolean) => fc.integer({ min: nonZero ? 1 : 0, max: 0x1fff }).map((i) => i << 3); // TI = 0, RPL = 0
const subsetOf = (bits: readonly number[]) => fc.subarray([...bits]).map((bs) => bs.reduce((m, b) => m | (1 << b), 0) >>> 0);
const patArb = fc.array(fc.constantFrom<bigint>(0n, 1n, 4n, 5n, 6n, 7n), { minLength: 8, maxLength: 8 }).map((bs) => bs.reduce((v: bigint, b, i) => v | (b << BigInt(8 * i)), 0n));

const hostAreaArb = (caps: Capabilities): fc.Arbitrary<HostArea> => {
  const allowed = VARIED_EXIT_CONTROLS.filter((b) => bit(caps.exit1, b));
  const n = caps.linearAddressWidth;
  return subsetOf(allowed).chain((varied) => {
    const exitControls = (caps.exit0 | varied | (1 << 9)) >>> 0; // decide HASZ below
    return fc.boolean().chain((hasz) => {
      const ctl = hasz ? exitControls : (exitControls & ~(1 << 9)) >>> 0;
      const cr0Fixed0 = BigInt(caps.cr0Fixed0Lo >>> 0), cr0Fixed1 = BigInt(caps.cr0Fixed1Lo >>> 0);
      const cr4Fixed0 = BigInt(caps.cr4Fixed0Lo >>> 0), cr4Fixed1 = BigInt(caps.cr4Fixed1Lo >>> 0);
      return fc.record({
        cr0: subsetOf([1, 2, 3, 4, 5, 16, 18, 29, 30]).map((b) => (BigInt(b) | cr0Fixed0) & cr0Fixed1),
        cr3: fc.integer({ min: 0x200, max: 0xfff }).map((p) => BigInt(p) << 12n),
        cr4: subsetOf([4, 5, 7, 9, 10, 16, 17, 18]).map((b) => {
          let v = (BigInt(b) | cr4Fixed0) & cr4Fixed1;
          v = hasz ? v | 0x20n : v & ~(1n << 17n); // HOST.CR4.PAE / HOST.CR4.PCIDE
          return v;
        }),
        rip: hasz ? canonicalArb(n) : fc.bigInt({ min: 0n, max: 0xffff_ffffn }),
        rsp: fc.bigInt({ min: 0n, max: U64 }),
        selectors: fc.record({
          cs: selectorArb(true), ss: selectorArb(!hasz), ds: selectorArb(false), es: selectorArb(false),
          fs: selectorArb(false), gs: selectorArb(false), tr: selectorArb(true),
        }),
        fsBase: canonicalArb(n), gsBase: canonicalArb(n), trBase: canonicalArb(n), gdtrBase: canonicalArb(n), idtrBase: canonicalArb(n),
        sysenterCs: fc.bigInt({ min: 0n, max: 0xffff_ffffn }), sysenterEsp: canonicalArb(n), sysenterEip: canonicalArb(n),
        efer: fc.tuple(fc.boolean(), fc.boolean()).map(([sce, nxe]) => (sce ? 1n : 0n) | (nxe ? 0x800n : 0n) | (hasz ? 0x500n : 0n)),
        pat: patArb,
        perf: fc.bigInt({ min: 0n, max: U64 }).map((v) => v & caps.profile.choices.perfGlobalCtrlValidMask),
      }).map((r): HostArea => ({ ...r, exitControls: ctl, hasz }));
    });
  });
};

const hostFields = (h: HostArea): Partial<Record<FieldName, bigint>> => ({
  VM_EXIT_CONTROLS: BigInt(h.exitControls),
  HOST_CR0: h.cr0, HOST_CR3: h.cr3, HOST_CR4: h.cr4, HOST_RIP: h.rip, HOST_RSP: h.rsp,
  HOST_CS_SELECTOR: BigInt(h.selectors.cs), HOST_SS_SELECTOR: BigInt(h.selectors.ss), HOST_DS_SELECTOR: BigInt(h.selectors.ds),
  HOST_ES_SELECTOR: BigInt(h.selectors.es), HOST_FS_SELECTOR: BigInt(h.selectors.fs), HOST_GS_SELECTOR: BigInt(h.selectors.gs),
  HOST_TR_SELECTOR: BigInt(h.selectors.tr),
  HOST_FS_BASE: h.fsBase, HOST_GS_BASE: h.gsBase, HOST_TR_BASE: h.trBase, HOST_GDTR_BASE: h.gdtrBase, HOST_IDTR_BASE: h.idtrBase,
  HOST_IA32_SYSENTER_CS: h.sysenterCs, HOST_IA32_SYSENTER_ESP: h.sysenterEsp, HOST_IA32_SYSENTER_EIP: h.sysenterEip,
  HOST_IA32_EFER: h.efer, HOST_IA32_PAT: h.pat, HOST_IA32_PERF_GLOBAL_CTRL: h.perf,
});

// --- the VM-exit MSR-load list: MSRs WRMSR accepts whatever the host state (§27.6) ---

const LIST = 0x3_c000n;
const listEntryArb = (caps: Capabilities): fc.Arbitrary<readonly [number, bigint]> => fc.oneof(
  fc.tuple(fc.constant(0xc000_0081), fc.bigInt({ min: 0n, max: U64 })), // IA32_STAR
  fc.tuple(fc.constant(0xc000_0102), canonicalArb(caps.linearAddressWidth)), // IA32_KERNEL_GS_BASE
  fc.tuple(fc.constant(0xc000_0103), fc.bigInt({ min: 0n, max: 0xffff_ffffn })), // IA32_TSC_AUX
  fc.tuple(fc.constant(0x174), fc.bigInt({ min: 0n, max: 0xffff_ffffn })), // IA32_SYSENTER_CS, overriding §27.5.1
  fc.tuple(fc.constant(0x277), patArb), // IA32_PAT
  fc.tuple(fc.constant(0x10), fc.bigInt({ min: 0n, max: U64 })), // the TSC
);

// --- the guest registers at the exit, and what caused it ---

const ACTIVITIES: readonly ActivityState[] = ['active', 'hlt', 'shutdown', 'wait-for-sipi'];
const segmentArb: fc.Arbitrary<SegmentRegister> = fc.record({
  selector: fc.integer({ min: 0, max: 0xffff }), base: fc.bigInt({ min: 0n, max: U64 }),
  limit: fc.integer({ min: 0, max: 0xffff_ffff }), accessRights: fc.integer({ min: 0, max: 0x1_ffff }),
});
const segmentsArb = fc.tuple(...SEGMENT_NAMES.map(() => segmentArb))
  .map((ss) => Object.fromEntries(SEGMENT_NAMES.map((n, i) => [n, ss[i]!])) as SegmentRegisters);
const u64 = fc.bigInt({ min: 0n, max: U64 });

const guestArb = (hasz: boolean) => fc.record({
  cr0: u64, cr3: u64, cr4: u64, dr7: u64, rsp: u64, rip: u64, rflags: u64,
  // A guest in IA-32e mode exiting to a 32-bit host is VMX abort 6 (§27.5), not this property.
  efer: u64.map((v) => (hasz ? v : v & ~0x400n)),
  cpl: fc.integer({ min: 0, max: 3 }), csL: fc.boolean(), inSmx: fc.boolean(), a20m: fc.boolean(),
  blockingByMovSs: fc.boolean(), blockingBySti: fc.boolean(), blockingBySmi: fc.boolean(), blockingByNmi: fc.boolean(),
  msrs: fc.tuple(u64, u64, u64, u64, u64, u64).map(([a, b, c, d, e, f]) => new Map([[0x174, a], [0x175, b], [0x176, c], [0x1d9, d], [0x277, e], [0x38f, f], [0x3a, 5n]])),
  gpr: fc.array(u64, { minLength: 16, maxLength: 16 }), cr2: u64, cr8: fc.bigInt({ min: 0n, max: 15n }),
  dr: fc.array(u64, { minLength: 4, maxLength: 4 }), dr6: u64,
  segments: segmentsArb,
  gdtr: fc.record({ base: u64, limit: fc.integer({ min: 0, max: 0xffff }) }),
  idtr: fc.record({ base: u64, limit: fc.integer({ min: 0, max: 0xffff }) }),
  activity: fc.constantFrom(...ACTIVITIES), pendingDebug: u64, tsc: u64,
  pending: fc.record({ extint: fc.option(fc.integer({ min: 0, max: 255 })), nmi: fc.boolean(), init: fc.boolean(), sipi: fc.option(fc.integer({ min: 0, max: 255 })) }),
});

const exitInfoArb: fc.Arbitrary<ExitInformation> = fc.record({
  reason: fc.constantFrom(0, 1, 2, 3, 7, 8, 9, 10, 12, 28, 30, 31, 32, 37, 43, 48, 52),
  qualification: u64,
  interruptionInfo: fc.constantFrom(0, 0x8000_0202, 0x8000_0b0d, 0x8000_0030, 0x8000_0301),
  idtVectoringInfo: fc.constantFrom(0, 0x8000_0b0e, 0x8000_0020),
  instructionLength: fc.option(fc.integer({ min: 1, max: 15 })),
}).map((r) => ({ ...NO_EXIT_INFORMATION, ...r }));

// --- the expected host registers, sentence by sentence from §27.5 and §27.6 ---

/** §27.5.1: "The following bits are not modified: ... ET, CD, NW; bits 63:32, 28:19, 17, 15:6". */
const CR0_NOT_MODIFIED = (U64 ^ 0xffff_ffffn) | (1n << 4n) | (1n << 30n) | (1n << 29n) | (((1n << 10n) - 1n) << 19n) | (1n << 17n) | (((1n << 10n) - 1n) << 6n);
/** "each of bits 63:N is set to the value of bit N-1". */
const fromBitNMinus1 = (v: bigint, n: number): bigint => ((v >> BigInt(n - 1)) & 1n) === 1n ? v | (U64 ^ ((1n << BigInt(n)) - 1n)) : v & ((1n << BigInt(n)) - 1n);

const expectedHost = (
  caps: Capabilities, before: CpuRegisters, h: HostArea, list: readonly (readonly [number, bigint])[], directNmi: boolean, virtualNmis: boolean,
  memory: ReadonlyMap<bigint, bigint>,
): CpuRegisters => {
  const n = caps.linearAddressWidth;
  const on = (b: number) => bit(h.exitControls, b);
  // CS: "Type set to 11 and S set to 1", "DPL ... set to 0", "P ... set to 1", "L loaded with the setting of host
  // address-space size", "D/B loaded with the inverse", "G set to 1".
  const csAr = 11 | (1 << 4) | (0 << 5) | (1 << 7) | ((h.hasz ? 1 : 0) << 13) | ((h.hasz ? 0 : 1) << 14) | (1 << 15);
  // SS, DS, ES, FS, GS when usable: "type set to 3 and S set to 1", DPL 0, P 1, D/B 1, G 1; "unusable if its selector is loaded with zero".
  const dataAr = 3 | (1 << 4) | (1 << 7) | (1 << 14) | (1 << 15);
  const data = (selector: number, base: bigint): SegmentRegister =>
    selector === 0 ? { selector, base, limit: 0, accessRights: 1 << 16 } : { selector, base, limit: 0xffff_ffff, accessRights: dataAr };
  const fsBase = fromBitNMinus1(h.fsBase, n);
  const gsBase = fromBitNMinus1(h.gsBase, n);
  const msrs = new Map(before.msrs);
  msrs.set(0x1d9, 0n); // "The IA32_DEBUGCTL MSR is cleared"
  msrs.set(0x174, h.sysenterCs); // 32-bit field, "bits 63:32 of the MSR are cleared"
  msrs.set(0x175, fromBitNMinus1(h.sysenterEsp, n));
  msrs.set(0x176, fromBitNMinus1(h.sysenterEip, n));
  msrs.set(0xc000_0100, fsBase); // "The MSRs FS.base and GS.base are loaded from the base-address fields"
  msrs.set(0xc000_0101, gsBase);
  if (on(12)) msrs.set(0x38f, h.perf);
  if (on(19)) msrs.set(0x277, h.pat);
  if (on(23)) msrs.set(0xd90, 0n);
  let tsc = before.tsc;
  for (const [index, value] of list) { // §27.6, in order, overriding
    if (index === 0x10) tsc = value;
    else msrs.set(index, value);
  }
  let cr4 = h.cr4;
  if (h.hasz) cr4 |= 1n << 5n;
  else cr4 &= ~(1n << 17n);
  return {
    cr0: (h.cr0 & ~CR0_NOT_MODIFIED) | (before.cr0 & CR0_NOT_MODIFIED),
    cr3: h.cr3,
    cr4,
    dr7: 0x400n,
    rsp: h.rsp,
    rip: h.rip,
    rflags: 2n,
    // "If the load IA32_EFER VM-exit control is 1, ... loaded from the IA32_EFER field"; else "LMA and LME ... loaded with host address-space size".
    efer: on(21) ? h.efer : (before.efer & ~0x500n) | (h.hasz ? 0x500n : 0n),
    cpl: 0,
    csL: h.hasz,
    inSmm: before.inSmm, inSmx: before.inSmx, a20m: before.a20m,
    blockingByMovSs: false,
    msrs,
    gpr: before.gpr, cr2: before.cr2, cr8: before.cr8, dr: before.dr, dr6: before.dr6,
    segments: {
      cs: { selector: h.selectors.cs, base: 0n, limit: 0xffff_ffff, accessRights: csAr },
      ss: data(h.selectors.ss, 0n), ds: data(h.selectors.ds, 0n), es: data(h.selectors.es, 0n),
      fs: data(h.selectors.fs, fsBase), gs: data(h.selectors.gs, gsBase),
      tr: { selector: h.selectors.tr, base: fromBitNMinus1(h.trBase, n), limit: 0x67, accessRights: 11 | (1 << 7) },
      ldtr: { selector: 0, base: 0n, limit: 0, accessRights: 1 << 16 },
    },
    gdtr: { base: fromBitNMinus1(h.gdtrBase, n), limit: 0xffff },
    idtr: { base: fromBitNMinus1(h.idtrBase, n), limit: 0xffff },
    // §27.5.5: "no blocking by STI or by MOV SS"; NMI blocking set by an exit caused directly by an NMI, else
    // unaffected — and with "virtual NMIs" = 1 the guest's flag was virtual-NMI blocking (NMIs unblocked, §26.6.1).
    blockingBySti: false,
    blockingBySmi: before.blockingBySmi,
    blockingByNmi: directNmi || (!virtualNmis && before.blockingByNmi),
    activity: 'active', // "always in the active state after a VM exit"
    pendingDebug: 0n, // "no pending debug exceptions after a VM exit"
    tsc,
    // §27.5.4: a PAE host's PDPTE registers are loaded from the table at its CR3 (this test's hosts pass the check).
    pdpte: !h.hasz && (cr4 & 0x20n) !== 0n ? [0n, 1n, 2n, 3n].map((i) => readMemory64(memory, (h.cr3 & 0xffff_ffe0n) + 8n * i)) : before.pdpte,
    pending: before.pending,
  };
};

/** What §27.5.2 defines of a register: everything when usable; for an unusable one its selector, SS.DPL, and the FS/GS base when the exit is to 64-bit mode. */
const defined = (name: SegmentName, s: SegmentRegister, hasz: boolean) => {
  if (((s.accessRights >>> 16) & 1) === 0) return s;
  return {
    selector: s.selector, unusable: true,
    ...(name === 'ss' ? { dpl: (s.accessRights >>> 5) & 3 } : {}),
    ...((name === 'fs' || name === 'gs') && hasz ? { base: s.base } : {}),
  };
};
const comparable = (cpu: CpuRegisters, hasz: boolean) => ({
  ...cpu,
  segments: Object.fromEntries(SEGMENT_NAMES.map((s) => [s, defined(s, cpu.segments[s], hasz)])),
});

const CASES = new Map<BuiltinProfileName, Capabilities>();
const capsOf = (p: BuiltinProfileName): Capabilities => {
  let c = CASES.get(p);
  if (c === undefined) CASES.set(p, (c = decodeCapabilities(BUILTIN_PROFILES[p])));
  return c;
};

const caseArb = profileNameArb.chain((profile) => {
  const caps = capsOf(profile);
  return hostAreaArb(caps).chain((host) => fc.record({
    profile: fc.constant(profile),
    host: fc.constant(host),
    guest: guestArb(host.hasz),
    info: exitInfoArb,
    list: fc.array(listEntryArb(caps), { maxLength: 3 }),
    virtualNmis: fc.boolean().map((v) => v && bit(caps.pin1, 5) && bit(caps.pin1, 3)),
  }));
});

describe('§27.5 host state after a VM exit', () => {
  test.prop([caseArb], FC_PARAMS(1500))('Host state after every exit equals what §27.5 prescribes', (c) => {
    const caps = capsOf(c.profile);
    const base = nonRootBaseline(BUILTIN_PROFILES[c.profile]);
    const pin = c.virtualNmis ? (1n << 3n) | (1n << 5n) | BigInt(caps.pin0 >>> 0) : BigInt(caps.pin0 >>> 0);
    const words = c.list.flatMap(([index, value], i): [bigint, bigint][] => [[LIST + 16n * BigInt(i), BigInt(index)], [LIST + 16n * BigInt(i) + 8n, value]]);
    let state = withVmcs(base, { ...hostFields(c.host), PIN_BASED_VM_EXEC_CONTROL: pin, VM_EXIT_MSR_LOAD_COUNT: BigInt(c.list.length), VM_EXIT_MSR_LOAD_ADDR: LIST });
    state = withMemory(state, words);
    state = withCpu(state, { ...c.guest, inSmm: false });
    const before = state.cpu;
    const directNmi = c.info.reason === 0 && c.info.interruptionInfo === 0x8000_0202;

    const r = vmExit(caps, state, c.info, []);

    expect(r.observation).toEqual({ kind: 'vm-exit', exit: c.info });
    expect(r.state.vmx).toBe('root');
    const expected = expectedHost(caps, before, c.host, c.list, directNmi, c.virtualNmis, state.memory);
    expect(Object.keys(r.state.cpu).sort()).toEqual(Object.keys(expected).sort());
    expect(comparable(r.state.cpu, c.host.hasz)).toEqual(comparable(expected, c.host.hasz));
  });
});
