/**
 * Realising a VM-entry case on the Bochs harness. The harness runs in VMX root operation at CPL 0 in
 * 64-bit mode with its own CR3, and needs every VM exit to come back to it; so the state that runs
 * differs from the case's state. Each difference (the "substitutions") is checked with the model:
 * the case runs only if the model permits exactly the same observations (kinds, error numbers, exit
 * reasons and qualifications; guest state excepted) for the substituted state as for the original.
 * Otherwise the case is skipped with the reason. Nothing is dropped silently.
 */
import { DEFAULT_CPU } from '../../spec/codec/state.js';
import { decodeCapabilities, type Capabilities } from '../../model/vtx/capabilities.js';
import { step } from '../../model/vtx/step.js';
import type { Outcome } from '../../model/vtx/outcome.js';
import { fieldExists } from '../../model/vtx/vmcs-fields.js';
import type { VtxInstruction } from '../../spec/vtx/instructions.js';
import { describeObservation, type Observation } from '../../spec/vtx/observation.js';
import type { VtxProfile } from '../../spec/vtx/profile.js';
import { BUILTIN_PROFILES, type BuiltinProfileName } from '../../spec/vtx/profiles/index.js';
import { MSR, readField, writeFields, type CpuRegisters, type VmcsImage, type VtxState } from '../../spec/vtx/state.js';
import { fieldType } from '../../spec/vtx/vmcs/encoding.js';
import { VMCS_FIELDS, type FieldName } from '../../spec/vtx/vmcs/fields.js';
import { baselineState } from '../vtx/baseline.js';
import type { HarnessCase } from './blob.js';
import {
  CASE_AREA_END, HARNESS_CR0, HARNESS_CR3, HARNESS_CR4, HARNESS_EFER, HI_BASE, HOST_RIP_CASE, HOST_RIP_PREP,
  HOST_RSP, STACK_TOP, inCaseArea,
} from './layout.js';

/** One VM-entry case: the processor state and the instruction, for a capability profile. */
export interface BochsCase {
  readonly id: string;
  readonly profile: VtxProfile | BuiltinProfileName;
  readonly state: VtxState;
  readonly instruction: VtxInstruction;
}

export type Realised =
  | { readonly kind: 'run'; readonly harness: HarnessCase; readonly substitutions: readonly string[] }
  | { readonly kind: 'skip'; readonly reason: string };

const PAGE = 0x1000n;
const pageOf = (a: bigint): bigint => a & ~(PAGE - 1n);
const hex = (v: bigint): string => `0x${v.toString(16)}`;
const ALL_ONES = 0xffff_ffff_ffff_ffffn;

/** The processor state the harness executes VMLAUNCH/VMRESUME in (harness.asm restore_env). */
export const HARNESS_CPU: CpuRegisters = {
  ...DEFAULT_CPU,
  cr0: HARNESS_CR0, cr3: HARNESS_CR3, cr4: HARNESS_CR4, dr7: 0x400n, rsp: STACK_TOP, rip: HI_BASE, rflags: 0x2n,
  efer: HARNESS_EFER, cpl: 0, csL: true, inSmm: false, inSmx: false, a20m: false, blockingByMovSs: false,
  msrs: new Map([[MSR.IA32_FEATURE_CONTROL, 0x5n]]),
};

const observationKey = (o: Observation): string =>
  o.kind === 'vm-entry' ? 'vm-entry' : o.kind === 'vm-exit' ? `exit ${o.reason} ${o.qualification}` : describeObservation(o);

const permittedKeys = (o: Outcome): string =>
  o.undefinedBehaviour ? 'undefined behaviour' : [...new Set(o.permitted.map(observationKey))].sort().join(' | ');

const describePermitted = (o: Outcome): string =>
  o.undefinedBehaviour ? 'undefined behaviour' : [...new Set(o.permitted.map((p) => p.kind === 'vm-entry' ? 'VM entry' : describeObservation(p)))].join(' | ');

const withVmcsFields = (s: VtxState, at: bigint, values: Partial<Record<FieldName, bigint>>): VtxState => {
  const region = s.vmcs.get(at)!;
  return { ...s, vmcs: new Map(s.vmcs).set(at, { ...region, fields: writeFields(region.fields, values) }) };
};

const EXIT_INFO_FIELDS: readonly FieldName[] = VMCS_FIELDS.filter((f) => fieldType(f.encoding) === 'exit-information').map((f) => f.name as FieldName);

/** Bit of a control the profile allows to be 1 (allowed-1 half of the capability MSR). */
const pinAllowed1 = (p: VtxProfile, bit: number): boolean => ((p.msrs.IA32_VMX_PINBASED_CTLS >> BigInt(32 + bit)) & 1n) === 1n;
const PIN_PREEMPTION_TIMER = 6;

/** A profile's identity for matching a case to a Bochs CPU model: everything but name and description. */
const profileKey = (p: VtxProfile): string =>
  JSON.stringify({ ...p, name: '', description: '' }, (_k, v) => (typeof v === 'bigint' ? v.toString(16) : v));

const resolveProfile = (p: VtxProfile | BuiltinProfileName): VtxProfile => (typeof p === 'string' ? BUILTIN_PROFILES[p] : p);

interface Ranges { readonly reads: [bigint, bigint][]; readonly writes: [bigint, bigint][]; readonly touched: [bigint, bigint][] }

/**
 * Physical memory VM entry may read (the model reads the same words: §26.3.1.5 link pointer,
 * §26.2.1.1 virtual-APIC page, §26.3.1.6 PDPTEs, §26.4 MSR-load list), memory a VM exit may write
 * (§27.4 MSR-store list), and other pages the guest or Bochs may touch (zeroed, not checked).
 */
const memoryRanges = (img: VmcsImage, profile: VtxProfile): Ranges => {
  const f = (n: FieldName) => readField(img, n);
  const limit = 1n << BigInt(profile.maxPhysAddr);
  const listBytes = (count: bigint) => 16n * (count < 4096n ? count : 4096n);
  const reads: [bigint, bigint][] = [];
  const writes: [bigint, bigint][] = [];
  const touched: [bigint, bigint][] = [];
  const link = f('VMCS_LINK_POINTER');
  if (link !== ALL_ONES && link < limit) reads.push([link, link + 4n]);
  const proc = f('CPU_BASED_VM_EXEC_CONTROL');
  const proc2 = (proc >> 31n) & 1n ? f('SECONDARY_VM_EXEC_CONTROL') : 0n;
  const vapic = f('VIRTUAL_APIC_PAGE_ADDR');
  if ((proc >> 21n) & 1n && vapic < limit) reads.push([vapic, vapic + PAGE]);
  const entryCount = f('VM_ENTRY_MSR_LOAD_COUNT');
  const entryList = f('VM_ENTRY_MSR_LOAD_ADDR');
  if (entryCount > 0n && entryList < limit) reads.push([entryList, entryList + listBytes(entryCount)]);
  const cr0 = f('GUEST_CR0'); const cr4 = f('GUEST_CR4'); const cr3 = f('GUEST_CR3');
  const ia32e = (f('VM_ENTRY_CONTROLS') >> 9n) & 1n;
  if ((cr0 >> 31n) & 1n && (cr4 >> 5n) & 1n && !ia32e && !((proc2 >> 1n) & 1n) && cr3 < limit) {
    reads.push([cr3 & ~0x1fn, (cr3 & ~0x1fn) + 32n]);
  }
  const storeCount = f('VM_EXIT_MSR_STORE_COUNT');
  const store = f('VM_EXIT_MSR_STORE_ADDR');
  if (storeCount > 0n) writes.push([store, store + listBytes(storeCount)]);
  const exitLoad = f('VM_EXIT_MSR_LOAD_ADDR');
  if (f('VM_EXIT_MSR_LOAD_COUNT') > 0n && exitLoad < limit) touched.push([exitLoad, exitLoad + listBytes(f('VM_EXIT_MSR_LOAD_COUNT'))]);
  for (const n of ['EPT_POINTER', 'IO_BITMAP_A', 'IO_BITMAP_B', 'MSR_BITMAP', 'APIC_ACCESS_ADDR', 'GUEST_CR3'] as const) {
    const a = pageOf(f(n));
    touched.push([a, a + PAGE]);
  }
  const rsp = f('GUEST_RSP');
  touched.push([pageOf(rsp - 8n), pageOf(rsp - 8n) + PAGE]);
  return { reads, writes, touched };
};

const pagesIn = ([from, to]: [bigint, bigint], max = 16): bigint[] => {
  const out: bigint[] = [];
  for (let p = pageOf(from); p < to && out.length < max; p += PAGE) if (inCaseArea(p)) out.push(p);
  return out;
};

const rangeInArea = ([from, to]: [bigint, bigint]): boolean => inCaseArea(from) && inCaseArea(to - 1n) &&
  !(from < 0x10_0000n && to > 0xa_0000n);

/** The write list for a VMCS image: existing fields (all of them when `all`, else the non-zero ones), exit-information fields left out. */
const writesFor = (caps: Capabilities, img: VmcsImage, all: boolean): [number, bigint][] =>
  VMCS_FIELDS.flatMap((f, i): [number, bigint][] => {
    if (fieldType(f.encoding) === 'exit-information') return [];
    const v = readField(img, f.name as FieldName);
    if (v === 0n && (!all || !fieldExists(caps, i))) return [];
    return [[f.encoding, v]];
  });

export interface Realiser {
  readonly profile: VtxProfile;
  realise(c: BochsCase): Realised;
}

/** A realiser for the Bochs CPU model whose capability profile is `profile`. */
export const bochsRealiser = (profile: VtxProfile): Realiser => {
  const caps = decodeCapabilities(profile);
  const key = profileKey(profile);
  const timer = pinAllowed1(profile, PIN_PREEMPTION_TIMER);
  let prep: [number, bigint][] | string | undefined;
  const absentFields = VMCS_FIELDS.flatMap((f, i) => (fieldExists(caps, i) ? [] : [f.name as FieldName]));

  /** The harness guest that makes a VMCS 'launched': the ia32e baseline, returning to HOST_RIP_PREP. */
  const prepWrites = (at: bigint, vmxon: bigint): [number, bigint][] | string => {
    if (prep !== undefined) return prep;
    const base = baselineState(profile, 'ia32e');
    const img = writeFields(base.vmcs.get(base.currentVmcs!)!.fields, {
      HOST_RIP: HOST_RIP_PREP, HOST_RSP, HOST_CR3: HARNESS_CR3,
      ...(timer ? { PIN_BASED_VM_EXEC_CONTROL: readField(base.vmcs.get(base.currentVmcs!)!.fields, 'PIN_BASED_VM_EXEC_CONTROL') | (1n << 6n), VMX_PREEMPTION_TIMER_VALUE: 0n } : {}),
    });
    const revision = profile.msrs.IA32_VMX_BASIC & 0x7fff_ffffn;
    const s: VtxState = {
      ...base, cpu: HARNESS_CPU, vmxonPointer: vmxon, currentVmcs: at,
      vmcs: new Map([[at, { launchState: 'clear', fields: img }]]), memory: new Map([[vmxon, revision], [at, revision]]),
    };
    const o = step(caps, s, { op: 'VMLAUNCH' });
    prep = o.canonical.kind === 'vm-entry' ? writesFor(caps, img, false)
      : `the harness guest that makes a VMCS 'launched' does not enter on this profile (${describeObservation(o.canonical)})`;
    return prep;
  };

  const realise = (c: BochsCase): Realised => {
    const skip = (reason: string): Realised => ({ kind: 'skip', reason });
    const caseProfile = resolveProfile(c.profile);
    if (profileKey(caseProfile) !== key) {
      return skip(`the case is for profile '${caseProfile.name}', but this Bochs CPU model has profile '${profile.name}'`);
    }
    const op = c.instruction.op;
    if (op !== 'VMLAUNCH' && op !== 'VMRESUME') return skip(`${op} cases are not run on Bochs yet (the harness runs VMLAUNCH and VMRESUME)`);
    const s = c.state;
    const cpu = s.cpu;
    if (s.vmx !== 'root') return skip(`the case runs ${s.vmx === 'outside' ? 'outside VMX operation' : 'in VMX non-root operation'}; the harness runs in VMX root operation`);
    if (cpu.cpl !== 0) return skip(`the case runs at CPL ${cpu.cpl}; the harness runs at CPL 0`);
    if ((cpu.efer & 0x400n) === 0n || !cpu.csL || (cpu.cr0 & 1n) === 0n || ((cpu.rflags >> 17n) & 1n) === 1n) {
      return skip('the case does not run in 64-bit mode (compatibility, legacy, real or virtual-8086 mode); the harness runs in 64-bit mode');
    }
    if (cpu.blockingByMovSs) return skip('the case needs blocking by MOV SS; the harness cannot execute VMLAUNCH/VMRESUME right after a MOV SS and report it');
    if (cpu.inSmm || cpu.inSmx || s.dualMonitorActive) return skip('the case runs in SMM, in SMX operation or with the dual-monitor treatment; the harness cannot');
    const vmxon = s.vmxonPointer;
    if (vmxon === null || (vmxon & 0xfffn) !== 0n || !inCaseArea(vmxon)) {
      return skip(`VMXON pointer ${vmxon === null ? 'none' : hex(vmxon)} is not a 4-KiB-aligned address in harness RAM below 16 MiB (outside A0000H-FFFFFH)`);
    }
    const at = s.currentVmcs;
    const region = at === null ? undefined : s.vmcs.get(at);
    if (at !== null) {
      if ((at & 0xfffn) !== 0n || !inCaseArea(at)) return skip(`current VMCS ${hex(at)} is not a 4-KiB-aligned address in harness RAM below 16 MiB (outside A0000H-FFFFFH)`);
      if (at === vmxon) return skip('the current VMCS is the VMXON region (VMPTRLD cannot make it current)');
      if (region === undefined) return skip(`the state has no contents for its current VMCS ${hex(at)}`);
    }
    for (const a of s.memory.keys()) {
      if ((a & 7n) !== 0n || !inCaseArea(a)) return skip(`memory word at ${hex(a)} is not in harness RAM below 16 MiB (outside A0000H-FFFFFH)`);
      if (at !== null && pageOf(a) === at && a !== at) {
        return skip(`memory word at ${hex(a)} lies inside the current VMCS region; Bochs keeps the VMCS there, so the word cannot be both`);
      }
    }
    const original = step(caps, s, c.instruction);
    const img = region?.fields;
    const ranges = img === undefined ? { reads: [], writes: [], touched: [] } : memoryRanges(img, profile);
    for (const r of ranges.reads) {
      if (!rangeInArea(r)) return skip(`VM entry reads physical memory ${hex(r[0])}..${hex(r[1] - 1n)}, which is not case RAM (the model reads it as 0; Bochs would read harness memory, the VGA/ROM hole or open bus)`);
      if (at !== null && pageOf(r[0]) <= at && at < r[1] && !(r[0] === at && r[1] <= at + 4n)) {
        return skip(`VM entry reads physical memory ${hex(r[0])}..${hex(r[1] - 1n)}, which overlaps the current VMCS region Bochs keeps its VMCS in`);
      }
    }
    const mayEnter = original.undefinedBehaviour || original.permitted.some((p) => p.kind === 'vm-entry');
    for (const r of mayEnter ? ranges.writes : []) {
      if (!rangeInArea(r)) return skip(`a VM exit would store MSRs at ${hex(r[0])}..${hex(r[1] - 1n)}, outside case RAM (it could overwrite the harness)`);
    }

    // Substitutions, checked with the model: first the processor state (always), then host state
    // so that VM exits return to the harness, then the VMX-preemption timer so a guest exits at once.
    const want = permittedKeys(original);
    const differs = (t: VtxState): boolean => permittedKeys(step(caps, t, c.instruction)) !== want;
    const cpuOnly: VtxState = { ...s, cpu: HARNESS_CPU };
    if (differs(cpuOnly)) {
      return skip(`substituting the harness's processor state (CR0/CR3/CR4/EFER/MSRs) changes what the model permits: ${describePermitted(original)} → ${describePermitted(step(caps, cpuOnly, c.instruction))}`);
    }
    // Fields the harness does not write: exit-information fields (read-only for VMWRITE unless
    // IA32_VMX_MISC[29]; no VM-entry check reads them) and fields this processor does not have
    // (VMWRITE fails with error 12, so no real VMCS holds a value there). Model-checked as zeros.
    const zeroExitInfo = Object.fromEntries([...EXIT_INFO_FIELDS, ...absentFields].map((n) => [n, 0n])) as Partial<Record<FieldName, bigint>>;
    const host = { HOST_RIP: HOST_RIP_CASE, HOST_RSP, HOST_CR3: HARNESS_CR3 };
    const pin = img === undefined ? 0n : readField(img, 'PIN_BASED_VM_EXEC_CONTROL');
    // The VM-exit MSR-store and MSR-load lists act only at the VM exit (§27.4, §27.6; also after a
    // VM-entry failure, §26.7), where an entry naming MSR 0 in zeroed memory makes a VMX abort
    // (§27.7) that stops the harness: emptied when that leaves the permitted outcomes unchanged.
    const noExitLists = { VM_EXIT_MSR_STORE_COUNT: 0n, VM_EXIT_MSR_LOAD_COUNT: 0n };
    const armed = { PIN_BASED_VM_EXEC_CONTROL: pin | (1n << 6n), VMX_PREEMPTION_TIMER_VALUE: 0n };
    const attempts: { name: string; values: Partial<Record<FieldName, bigint>> }[] = [
      ...(timer ? [{ name: 'HOST_RIP/RSP/CR3 → harness; VM-exit MSR lists emptied; VMX-preemption timer armed with value 0', values: { ...zeroExitInfo, ...host, ...noExitLists, ...armed } }] : []),
      { name: 'HOST_RIP/RSP/CR3 → harness; VM-exit MSR lists emptied', values: { ...zeroExitInfo, ...host, ...noExitLists } },
      ...(timer ? [{ name: 'HOST_RIP/RSP/CR3 → harness; VMX-preemption timer armed with value 0', values: { ...zeroExitInfo, ...host, ...armed } }] : []),
      { name: 'HOST_RIP/RSP/CR3 → harness', values: { ...zeroExitInfo, ...host } },
    ];
    // No VM exit can reach the host when the model permits only VMfail/faults (§26.1-26.2 checks
    // fail before any state is loaded): then host state needs no substitution at all.
    const noHostReturn = !original.undefinedBehaviour && original.permitted.every((p) => p.kind === 'VMfailValid' || p.kind === 'VMfailInvalid' || p.kind === 'fault');
    if (noHostReturn) attempts.push({ name: 'none (the model permits only VMfail/faults, so no VM exit returns to the host)', values: zeroExitInfo });
    let chosen: { name: string; state: VtxState } | undefined;
    if (at === null || img === undefined) chosen = { name: 'none', state: cpuOnly };
    else {
      for (const a of attempts) {
        const t = withVmcsFields(cpuOnly, at, a.values);
        if (!differs(t)) { chosen = { name: a.name, state: t }; break; }
      }
    }
    if (chosen === undefined) {
      const zeroed = withVmcsFields(cpuOnly, at!, zeroExitInfo);
      if (differs(zeroed)) {
        const set = [...absentFields, ...EXIT_INFO_FIELDS].filter((n) => readField(img!, n) !== 0n);
        return skip(`the case sets VMCS fields the harness cannot write (${set.join(', ')}: absent on this processor or exit-information fields); with them 0, as in any VMCS the processor can hold, the model permits something else: ${describePermitted(original)} → ${describePermitted(step(caps, zeroed, c.instruction))}`);
      }
      const t = withVmcsFields(cpuOnly, at!, { ...zeroExitInfo, ...host });
      return skip(`substituting HOST_RIP/RSP/CR3 (so that VM exits return to the harness) changes what the model permits: ${describePermitted(original)} → ${describePermitted(step(caps, t, c.instruction))}`);
    }
    const finalImg = at === null ? undefined : chosen.state.vmcs.get(at)!.fields;
    const launched = region?.launchState === 'launched';
    let prepList: [number, bigint][] = [];
    if (launched) {
      const p = prepWrites(at!, vmxon);
      if (typeof p === 'string') return skip(p);
      prepList = p;
    }
    const pages = new Set<bigint>([vmxon, ...(at === null ? [] : [at]), ...[...s.memory.keys()].map(pageOf)]);
    for (const r of [...ranges.reads, ...ranges.writes, ...ranges.touched]) for (const p of pagesIn(r)) pages.add(p);
    return {
      kind: 'run',
      substitutions: ['processor state → harness (CR3, RIP, RSP)', chosen.name, ...(launched ? ['launch state made by VMLAUNCH of a harness guest'] : [])],
      harness: {
        launchFirst: launched,
        instruction: op,
        noCurrentVmcs: at === null,
        vmxonPointer: vmxon,
        vmcsPointer: at ?? 0n,
        pages: [...pages].filter((p) => p < CASE_AREA_END).sort((a, b) => (a < b ? -1 : 1)),
        memory: [...s.memory.entries()],
        prepWrites: prepList,
        // A launched VMCS holds the harness guest's fields and what its VM exit saved: rewrite every field.
        writes: finalImg === undefined ? [] : writesFor(caps, finalImg, launched),
      },
    };
  };
  return { profile, realise };
};
