/**
 * The descriptor tables the machine runs the guest with (ITJ, "Non-Faulting Access to Privileged
 * State": GDTR, IDTR, LDTR and TR are the VMM's while the guest runs, and SGDT, SIDT, SLDT and STR
 * show them):
 *
 * - a GDT that copies the guest's descriptors with every code and data descriptor moved to the level
 *   the guest runs at (ring deprivileging), followed by the VMM's own code, data and TSS descriptors;
 * - an IDT whose every gate leads into the VMM at level 0 (DPL 0, so a guest INT n reaches the VMM
 *   as #GP too, and the VMM reflects it through the guest's IDT);
 * - a TSS with the VMM's level-0 stack.
 *
 * They are rebuilt from the guest's GDT each time the VMM resumes the guest; the guest's writes to
 * its GDT in between are not seen (the VMM does not write-protect it).
 */
import type { CpuRegisters } from '../../../../spec/vtx/state.js';
import { machineLevel, type DeprivilegingModel } from '../deprivileging.js';
import { AREA, VMM_GDT_LIMIT, VMM_PHYSICAL, VMM_SELECTORS, vmmAreaBase } from './layout.js';
import { readBytes, translate, writeBytes, type Words } from './memory.js';

const CODE32 = 0x00cf_9b00_0000_ffffn;
const CODE64 = 0x00af_9b00_0000_ffffn;
const DATA = 0x00cf_9300_0000_ffffn;

const dplOf = (d: bigint): number => Number((d >> 45n) & 3n);
const withDpl = (d: bigint, dpl: number): bigint => (d & ~(3n << 45n)) | (BigInt(dpl) << 45n);
const isCodeOrData = (d: bigint): boolean => ((d >> 44n) & 1n) === 1n;

/** The guest's descriptor at `selector` (through its paging), or null past its GDT limit. */
export const guestDescriptor = (memory: ReadonlyMap<bigint, bigint>, cpu: CpuRegisters, ia32e: boolean, selector: number): bigint | null => {
  const index = selector & 0xfff8;
  if ((selector & 4) !== 0 || index + 7 > cpu.gdtr.limit) return null;
  const at = translate(memory, cpu.cr3, ia32e, cpu.gdtr.base + BigInt(index));
  return at === null ? null : readBytes(memory, at, 8);
};

const tssDescriptor = (base: bigint): [bigint, bigint] =>
  [0x67n | ((base & 0xff_ffffn) << 16n) | (0x8bn << 40n) | (((base >> 24n) & 0xffn) << 56n), (base >> 32n) & 0xffff_ffffn];

/** Writes the VMM's GDT, IDT and TSS into `out` (host-physical words) for guest `g`. */
export const writeVmmTables = (out: Words, memory: ReadonlyMap<bigint, bigint>, g: CpuRegisters, model: DeprivilegingModel, ia32e: boolean): void => {
  const base = vmmAreaBase(ia32e);
  const gdt = VMM_PHYSICAL + AREA.gdt;
  if (g.gdtr.limit >= VMM_SELECTORS.code) throw new Error(`software-only VMM: the guest GDT (limit 0x${g.gdtr.limit.toString(16)}) overlaps the VMM's descriptors at 0x${VMM_SELECTORS.code.toString(16)}`);
  for (let sel = 8; sel + 7 <= g.gdtr.limit; sel += 8) {
    const d = guestDescriptor(memory, g, ia32e, sel) ?? 0n;
    writeBytes(out, gdt + BigInt(sel), 8, isCodeOrData(d) ? withDpl(d, machineLevel(model, dplOf(d))) : d);
  }
  writeBytes(out, gdt + BigInt(VMM_SELECTORS.code), 8, ia32e ? CODE64 : CODE32);
  writeBytes(out, gdt + BigInt(VMM_SELECTORS.data), 8, DATA);
  const [lo, hi] = tssDescriptor(base + AREA.tss);
  writeBytes(out, gdt + BigInt(VMM_SELECTORS.tss), 8, lo);
  writeBytes(out, gdt + BigInt(VMM_SELECTORS.tss) + 8n, 8, hi);
  const idt = VMM_PHYSICAL + AREA.idt;
  for (let v = 0; v < 256; v++) {
    const target = base + AREA.handlers + BigInt(16 * v);
    const lo = (target & 0xffffn) | (BigInt(VMM_SELECTORS.code) << 16n) | (0x8en << 40n) | (((target >> 16n) & 0xffffn) << 48n);
    if (ia32e) {
      writeBytes(out, idt + BigInt(16 * v), 8, lo);
      writeBytes(out, idt + BigInt(16 * v) + 8n, 8, (target >> 32n) & 0xffff_ffffn);
    } else {
      writeBytes(out, idt + BigInt(8 * v), 8, lo);
    }
  }
  const tss = VMM_PHYSICAL + AREA.tss;
  if (ia32e) {
    writeBytes(out, tss + 4n, 8, base + AREA.stackTop);
  } else {
    writeBytes(out, tss + 4n, 4, base + AREA.stackTop);
    writeBytes(out, tss + 8n, 2, BigInt(VMM_SELECTORS.data));
  }
};

/** The table registers the machine runs the guest with. */
export const vmmTableRegisters = (ia32e: boolean) => {
  const base = vmmAreaBase(ia32e);
  return {
    gdtr: { base: base + AREA.gdt, limit: VMM_GDT_LIMIT },
    idtr: { base: base + AREA.idt, limit: ia32e ? 0xfff : 0x7ff },
    tr: { selector: VMM_SELECTORS.tss, base: base + AREA.tss, limit: 0x67, accessRights: 0x8b },
    ldtr: { selector: 0, base: 0n, limit: 0, accessRights: 0x1_0000 },
  };
};
