/**
 * Small edits of the non-root baseline that witnesses compose: set a control (secondary controls
 * also turn on "activate secondary controls"), write VMCS fields, CPU registers, GPRs, memory words
 * and bits of the I/O and MSR bitmaps.
 */
import { CONTROLS, CONTROL_VECTORS, type ControlName } from '../../../../spec/vtx/controls.js';
import type { GuestInstruction } from '../../../../spec/vtx/guest/instructions.js';
import type { GuestEvent, NonRootInput } from '../../../../spec/vtx/guest/events.js';
import { readField, type CpuRegisters, type VtxState } from '../../../../spec/vtx/state.js';
import type { FieldName } from '../../../../spec/vtx/vmcs/fields.js';
import { GUEST_LAYOUT, withCpu, withMemory, withVmcs } from '../baseline.js';
import type { Edit, NonRootCase } from './witness.js';
import type { BuiltinProfileName } from '../../../../spec/vtx/profiles/index.js';

const current = (s: VtxState, name: FieldName): bigint => readField(s.vmcs.get(s.currentVmcs!)!.fields, name);

export const control = (name: ControlName, on = true): Edit => (s) => {
  const c = CONTROLS[name];
  const field = CONTROL_VECTORS[c.vector].field as FieldName;
  const bit = 1n << BigInt(c.bit);
  let next = withVmcs(s, { [field]: on ? current(s, field) | bit : current(s, field) & ~bit });
  if (c.vector === 'proc2' && on) next = control('proc.ACTIVATE_SECONDARY_CONTROLS')(next);
  return next;
};

export const fields = (values: Partial<Record<FieldName, bigint>>): Edit => (s) => withVmcs(s, values);
export const cpu = (values: Partial<CpuRegisters>): Edit => (s) => withCpu(s, values);
export const gpr = (values: Record<number, bigint>): Edit => (s) =>
  withCpu(s, { gpr: s.cpu.gpr.map((v, i) => values[i] ?? v) });
export const memory = (...words: (readonly [bigint, bigint])[]): Edit => (s) => withMemory(s, words);

/** Sets bit `n` of the bitmap that starts at physical address `base` (read-modify-write of its word). */
export const bitmapBit = (base: bigint, n: number): Edit => (s) => {
  const at = base + BigInt(Math.floor(n / 64) * 8);
  return withMemory(s, [[at, (s.memory.get(at) ?? 0n) | (1n << BigInt(n % 64))]]);
};

/** I/O bitmap bit of `port` (A for 0000–7FFF, B for 8000–FFFF, §24.6.4). */
export const ioBit = (port: number): Edit =>
  port < 0x8000 ? bitmapBit(GUEST_LAYOUT.ioBitmapA, port) : bitmapBit(GUEST_LAYOUT.ioBitmapB, port - 0x8000);

/** MSR-bitmap bit (§24.6.9): read-low 0, read-high 1024, write-low 2048, write-high 3072 bytes into the page. */
export const msrBit = (msr: number, access: 'read' | 'write'): Edit => {
  const high = msr >= 0xc000_0000;
  const offset = (access === 'read' ? 0 : 2048) + (high ? 1024 : 0);
  return bitmapBit(GUEST_LAYOUT.msrBitmap + BigInt(offset), msr & 0x1fff);
};

/** Guest at CPL 3: SS and CS with DPL 3 (user selectors of the baseline GDT). */
export const cpl3: Edit = (s) => withCpu(s, {
  cpl: 3,
  segments: {
    ...s.cpu.segments,
    cs: { selector: 0x2b, base: 0n, limit: 0xffff_ffff, accessRights: 0xa0fb },
    ss: { selector: 0x33, base: 0n, limit: 0xffff_ffff, accessRights: 0xc0f3 },
  },
});

export const rflags = (set: bigint, clear = 0n): Edit => (s) => withCpu(s, { rflags: (s.cpu.rflags | set) & ~clear });

export const IF = 1n << 9n;
export const RAX = 0, RCX = 1, RDX = 2, RBX = 3, RSP = 4, RSI = 6, RDI = 7;

export const ins = (instruction: GuestInstruction): NonRootInput => ({ kind: 'instruction', instruction });
export const ev = (event: GuestEvent): NonRootInput => ({ kind: 'event', event });

/** A case: edits, then one instruction or event (or several steps). */
export const run = (edits: readonly Edit[], ...steps: NonRootInput[]): NonRootCase => ({ edits, steps });
export const on = (profile: BuiltinProfileName, c: NonRootCase): NonRootCase => ({ ...c, profile });

/**
 * A 32-bit protected-mode guest without paging (IA-32e mode off: EFER.LME/LMA clear, CS.L = 0,
 * D/B = 1): what a task switch needs, since IA-32e mode has no hardware task switching (a far
 * JMP/CALL to a TSS there is #GP, Vol. 3A §7.7).
 */
export const protected32: Edit = (s) => withCpu(s, {
  cr0: 0x31n, cr4: 0x2000n, efer: 0x800n, csL: false,
  segments: { ...s.cpu.segments, cs: { selector: 0x08, base: 0n, limit: 0xffff_ffff, accessRights: 0xc09b } },
});
