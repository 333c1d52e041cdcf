/**
 * Property (b): a valid VMCS enters, and the guest state the model loads is the guest-state area
 * (§26.3.2), checked field by field here rather than through the model's own loader.
 */
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { BUILTIN_PROFILES } from '../../../spec/vtx/profiles/index.js';
import { readField, writeFields, type VtxState } from '../../../spec/vtx/state.js';
import { decodeCapabilities } from '../../../model/vtx/capabilities.js';
import { vmEntry } from '../../../model/vtx/vm-entry/index.js';
import { BASELINE_KINDS, baselineState, baselineSupported } from '../baseline.js';
import { profileNameArb } from '../arbitraries.js';
import { FC_PARAMS } from './params.js';

const CR0_KEPT = 0xffff_ffff_0000_0000n | 0x10n | 0xffc0n | 0x2_0000n | 0x1ff8_0000n | 0x6000_0000n;

/** Free choices a valid guest keeps valid under: RIP/RSP within 32 bits, flags without reserved bits, data selectors. */
const variationArb = fc.record({
  rip: fc.bigInt({ min: 0n, max: 0xffff_ffffn }),
  rsp: fc.bigInt({ min: 0n, max: 0xffff_ffffn }),
  // CF, PF, AF, ZF, SF, TF, IF, DF, OF, IOPL, NT, RF, AC, ID: not reserved, and no rule couples them to
  // a baseline field (TF and IF matter only with STI/MOV-SS blocking or injection, absent here).
  flags: fc.bigInt({ min: 0n, max: 0x3f_ffffn }).map((f) => (f & 0x25_7fd5n) | 0x2n),
  sysenterCs: fc.bigInt({ min: 0n, max: 0xffffn }),
  cr3Page: fc.bigInt({ min: 0n, max: 0xfffffn }).map((p) => p << 12n),
});

describe('a valid VMCS enters with the guest-state area loaded', () => {
  test.prop([profileNameArb, fc.constantFrom(...BASELINE_KINDS), variationArb], FC_PARAMS(2000))('profile × guest kind × free fields', (name, kind, v) => {
    const profile = BUILTIN_PROFILES[name];
    fc.pre(baselineSupported(profile, kind));
    const base = baselineState(profile, kind);
    const at = base.currentVmcs!;
    const region = base.vmcs.get(at)!;
    // A v8086 guest keeps RFLAGS.VM = 1; the others keep it 0 (GUEST.RFLAGS.VM.*).
    const rflags = kind === 'v86' ? v.flags | 0x2_0000n : v.flags;
    const fields = writeFields(region.fields, {
      GUEST_RIP: kind === 'unrestricted-real' ? v.rip & 0xffffn : v.rip,
      GUEST_RSP: v.rsp,
      GUEST_RFLAGS: rflags,
      GUEST_SYSENTER_CS: v.sysenterCs,
      GUEST_CR3: kind === 'unrestricted-real' ? 0n : v.cr3Page & 0xf_ffff_f000n,
    });
    const state: VtxState = { ...base, vmcs: new Map([...base.vmcs, [at, { ...region, fields }]]) };
    const outcome = vmEntry(decodeCapabilities(profile), state, 'VMLAUNCH');
    expect(outcome.failedRules).toEqual([]);
    expect(outcome.canonical.kind).toBe('vm-entry');
    if (outcome.canonical.kind !== 'vm-entry') return;
    const g = outcome.canonical.guest;
    const f = (n: Parameters<typeof readField>[1]) => readField(fields, n);
    expect(g.rip).toBe(f('GUEST_RIP'));
    expect(g.rsp).toBe(f('GUEST_RSP'));
    expect(g.rflags).toBe(f('GUEST_RFLAGS'));
    expect(g.cr3).toBe(f('GUEST_CR3'));
    expect(g.cr4).toBe(f('GUEST_CR4'));
    expect(g.cr0 & ~CR0_KEPT).toBe(f('GUEST_CR0') & ~CR0_KEPT);
    expect(g.cr0 & CR0_KEPT).toBe(base.cpu.cr0 & CR0_KEPT);
    expect(g.gdtrBase).toBe(f('GUEST_GDTR_BASE'));
    expect(BigInt(g.gdtrLimit)).toBe(f('GUEST_GDTR_LIMIT'));
    expect(g.idtrBase).toBe(f('GUEST_IDTR_BASE'));
    expect(BigInt(g.idtrLimit)).toBe(f('GUEST_IDTR_LIMIT'));
    for (const [seg, key] of [['ES', 'es'], ['CS', 'cs'], ['SS', 'ss'], ['DS', 'ds'], ['FS', 'fs'], ['GS', 'gs'], ['TR', 'tr'], ['LDTR', 'ldtr']] as const) {
      const loaded = g[key];
      expect(BigInt(loaded.selector), seg).toBe(f(`GUEST_${seg}_SELECTOR`));
      const unusable = (f(`GUEST_${seg}_AR_BYTES`) >> 16n) & 1n;
      expect(loaded.unusable, seg).toBe(unusable === 1n);
      if (unusable === 0n) {
        expect(loaded.base, seg).toBe(f(`GUEST_${seg}_BASE`));
        expect(BigInt(loaded.limit!), seg).toBe(f(`GUEST_${seg}_LIMIT`));
        expect(BigInt(loaded.accessRights!), seg).toBe(f(`GUEST_${seg}_AR_BYTES`));
      }
    }
    expect(g.msrs['0x174']).toBe(f('GUEST_SYSENTER_CS'));
    // IA32_EFER.LMA follows "IA-32e mode guest" (no "load IA32_EFER" in the baselines).
    expect((g.efer >> 10n) & 1n).toBe(kind === 'ia32e' ? 1n : 0n);
    // VMLAUNCH made the VMCS launched and the processor is in VMX non-root operation.
    expect(outcome.state.vmx).toBe('non-root');
    expect(outcome.state.vmcs.get(at)!.launchState).toBe('launched');
  });
});

describe('what §26.3.2.2 still defines for unusable segment registers is loaded', () => {
  test('an unusable SS keeps its DPL (the new CPL); unusable FS/GS keep their bases', () => {
    const profile = BUILTIN_PROFILES['bochs-skylake-x'];
    const base = baselineState(profile, 'ia32e');
    const at = base.currentVmcs!;
    const region = base.vmcs.get(at)!;
    const fields = writeFields(region.fields, {
      GUEST_SS_AR_BYTES: 0x1_0093n, GUEST_FS_AR_BYTES: 0x1_0093n, GUEST_FS_BASE: 0x7f00_0000_1000n, GUEST_GS_AR_BYTES: 0x1_0093n,
    });
    const state: VtxState = { ...base, vmcs: new Map([[at, { ...region, fields }]]) };
    const outcome = vmEntry(decodeCapabilities(profile), state, 'VMLAUNCH');
    expect(outcome.canonical.kind).toBe('vm-entry');
    if (outcome.canonical.kind !== 'vm-entry') return;
    expect(outcome.canonical.guest.ss).toEqual({ selector: 0x10, unusable: true, dpl: 0 });
    expect(outcome.canonical.guest.fs).toEqual({ selector: 0x10, unusable: true, base: 0x7f00_0000_1000n });
    expect(outcome.canonical.guest.ds.unusable).toBe(false);
  });
});
