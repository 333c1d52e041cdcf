/**
 * Property (d): the model is total and deterministic on every decoded input — arbitrary field values,
 * arbitrary memory, any VMX mode — and never mutates its input.
 */
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { BUILTIN_PROFILES } from '../../../spec/vtx/profiles/index.js';
import { emptyVmcsImage, writeField, type VtxState } from '../../../spec/vtx/state.js';
import { VMCS_FIELDS, type FieldName } from '../../../spec/vtx/vmcs/fields.js';
import { decodeCapabilities } from '../../../model/vtx/capabilities.js';
import { step } from '../../../model/vtx/step.js';
import { entryCaseArb, profileNameArb, realiseCase, vmxInstructionArb } from '../arbitraries.js';
import { VMCS_REGION } from '../baseline.js';
import { FC_PARAMS } from './params.js';

const u64 = fc.bigInt({ min: 0n, max: 0xffff_ffff_ffff_ffffn });
const instructionArb = vmxInstructionArb(u64, u64, u64);

/** A state with garbage everywhere: every field random, random memory words, random mode and registers. */
const chaosStateArb: fc.Arbitrary<VtxState> = fc
  .record({
    base: entryCaseArb(0, 2),
    fields: fc.array(fc.tuple(fc.constantFrom(...VMCS_FIELDS.map((f) => f.name)), u64), { maxLength: 40 }),
    memory: fc.array(fc.tuple(fc.bigInt({ min: 0n, max: 0xffffn }).map((a) => a * 8n), u64), { maxLength: 8 }),
    vmx: fc.constantFrom('outside' as const, 'root' as const, 'non-root' as const),
    cpl: fc.nat({ max: 3 }),
    cr0: u64, cr4: u64, efer: u64, rflags: u64,
    blank: fc.boolean(),
  })
  .map((r) => {
    const s = realiseCase(r.base);
    // Mutations may have dropped the current VMCS (BASIC.CURVMCS); the region stays in the map.
    const at = VMCS_REGION;
    const region = s.vmcs.get(at) ?? { launchState: 'clear' as const, fields: emptyVmcsImage() };
    const fields = r.fields.reduce((img, [n, v]) => writeField(img, n as FieldName, v), r.blank ? emptyVmcsImage() : region.fields);
    return {
      ...s,
      vmx: r.vmx,
      cpu: { ...s.cpu, cpl: r.cpl, cr0: r.cr0, cr4: r.cr4, efer: r.efer, rflags: r.rflags },
      vmcs: new Map([[at, { ...region, fields }]]),
      memory: new Map([...s.memory, ...r.memory]),
    };
  });

const snapshot = (s: VtxState) => JSON.stringify(s, (_, v) => (typeof v === 'bigint' ? `${v}n` : v instanceof Map ? [...v] : v));

describe('the model is total, deterministic and pure', () => {
  test.prop([profileNameArb, chaosStateArb, instructionArb], FC_PARAMS(5000))('any decoded input', (name, state, instr) => {
    const caps = decodeCapabilities(BUILTIN_PROFILES[name]);
    const before = snapshot(state);
    const a = step(caps, state, instr);
    const b = step(caps, state, instr);
    expect(snapshot(state)).toBe(before);
    expect(snapshot(a.state)).toBe(snapshot(b.state));
    expect(a.canonical).toEqual(b.canonical);
    expect(a.permitted.length).toBeGreaterThan(0);
  });
});
