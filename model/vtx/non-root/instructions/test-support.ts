/**
 * Shared setup of the instruction tests (*.test.ts beside this file): the non-root baseline of a
 * built-in profile, edits of its controls, fields, registers and bitmaps, and readers of a step's
 * result. Test-only: no model file imports it.
 */
import { expect } from 'vitest';
import { GUEST_LAYOUT, nonRootBaseline, withCpu, withMemory, withVmcs } from '../../../../conformance/vtx/non-root/baseline.js';
import { CONTROLS, CONTROL_VECTORS, type ControlName } from '../../../../spec/vtx/controls.js';
import type { GuestInstruction } from '../../../../spec/vtx/guest/instructions.js';
import type { ExitInformation } from '../../../../spec/vtx/non-root/observation.js';
import { BUILTIN_PROFILES, type BuiltinProfileName } from '../../../../spec/vtx/profiles/index.js';
import { readField, type CpuRegisters, type VtxState } from '../../../../spec/vtx/state.js';
import type { FieldName } from '../../../../spec/vtx/vmcs/fields.js';
import { decodeCapabilities, type Capabilities } from '../../capabilities.js';
import { executeInstruction } from '../execute.js';
import type { NonRootResult } from '../result.js';

export { GUEST_LAYOUT, withCpu, withMemory, withVmcs };

const capsCache = new Map<BuiltinProfileName, Capabilities>();
export const capsOf = (name: BuiltinProfileName = 'bochs-skylake-x'): Capabilities => {
  let c = capsCache.get(name);
  if (c === undefined) { c = decodeCapabilities(BUILTIN_PROFILES[name]); capsCache.set(name, c); }
  return c;
};

export const guest = (name: BuiltinProfileName = 'bochs-skylake-x'): VtxState => nonRootBaseline(BUILTIN_PROFILES[name]);

export const vmcs = (s: VtxState, name: FieldName): bigint => readField(s.vmcs.get(s.currentVmcs!)!.fields, name);

/** Sets (or clears) a control; a secondary control also sets "activate secondary controls". */
export const control = (s: VtxState, name: ControlName, on = true): VtxState => {
  const c = CONTROLS[name];
  const f = CONTROL_VECTORS[c.vector].field as FieldName;
  const b = 1n << BigInt(c.bit);
  const next = withVmcs(s, { [f]: on ? vmcs(s, f) | b : vmcs(s, f) & ~b });
  return c.vector === 'proc2' && on ? control(next, 'proc.ACTIVATE_SECONDARY_CONTROLS') : next;
};

export const controls = (s: VtxState, ...names: ControlName[]): VtxState => names.reduce((x, n) => control(x, n), s);

/** Sets general-purpose registers; register 4 is RSP (state.cpu.rsp). */
export const gprs = (s: VtxState, values: Record<number, bigint>): VtxState =>
  withCpu(s, { gpr: s.cpu.gpr.map((v, i) => (i === 4 ? v : values[i] ?? v)), rsp: values[4] ?? s.cpu.rsp });

export const cpu = (s: VtxState, values: Partial<CpuRegisters>): VtxState => withCpu(s, values);

/** Sets bit `n` of the bitmap that starts at physical `base`. */
export const bitmapBit = (s: VtxState, base: bigint, n: number): VtxState => {
  const at = base + BigInt(Math.floor(n / 64) * 8);
  return withMemory(s, [[at, (s.memory.get(at) ?? 0n) | (1n << BigInt(n % 64))]]);
};

export const ioBit = (s: VtxState, port: number): VtxState =>
  port < 0x8000 ? bitmapBit(s, GUEST_LAYOUT.ioBitmapA, port) : bitmapBit(s, GUEST_LAYOUT.ioBitmapB, port - 0x8000);

export const msrBit = (s: VtxState, msr: number, access: 'read' | 'write'): VtxState =>
  bitmapBit(s, GUEST_LAYOUT.msrBitmap + BigInt((access === 'read' ? 0 : 2048) + (msr >= 0xc000_0000 ? 1024 : 0)), msr & 0x1fff);

/** The guest at CPL 3 with the baseline's user code and stack selectors. */
export const user = (s: VtxState): VtxState => withCpu(s, {
  cpl: 3,
  segments: {
    ...s.cpu.segments,
    cs: { selector: 0x2b, base: 0n, limit: 0xffff_ffff, accessRights: 0xa0fb },
    ss: { selector: 0x33, base: 0n, limit: 0xffff_ffff, accessRights: 0xc0f3 },
  },
});

export const run = (s: VtxState, i: GuestInstruction, caps: Capabilities = capsOf()): NonRootResult => executeInstruction(caps, s, i);

/** The exit information of a result that must be a VM exit. */
export const exitOf = (r: NonRootResult): ExitInformation => {
  expect(r.observation.kind).toBe('vm-exit');
  if (r.observation.kind !== 'vm-exit') throw new Error('not a VM exit');
  return r.observation.exit;
};

export const expectExit = (r: NonRootResult, reason: number): ExitInformation => {
  const e = exitOf(r);
  expect(e.reason & 0xffff).toBe(reason);
  return e;
};

export const expectRetired = (r: NonRootResult): VtxState => {
  expect(r.observation.kind).toBe('retired');
  return r.state;
};

/** The instruction raised `vector` (delivered through the IDT or, with the bitmap bit set, an exception exit). */
export const expectFault = (r: NonRootResult, vector: number): void => {
  if (r.observation.kind === 'vm-exit') {
    expect(r.observation.exit.reason & 0xffff).toBe(0);
    expect(r.observation.exit.interruptionInfo & 0xff).toBe(vector);
  } else {
    expect(r.observation).toMatchObject({ kind: 'delivered', vector });
  }
};

export const cites = (r: NonRootResult, rule: string): boolean => r.decisions.some((d) => d.rule === rule);
