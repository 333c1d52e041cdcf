/**
 * Devices on the native machine's I/O ports. The reference CPU's platform has none (IN reads all ones,
 * OUT goes nowhere); a native machine that should match a VMM which emulates a device must have that
 * device too. A `PortDevice` claims ports; IN/OUT (not INS/OUTS) to a claimed port reach it once the
 * instruction's own checks pass: at CPL ≤ IOPL only (with CPL > IOPL the reference CPU's TSS
 * I/O-permission check runs as usual and the device is not reached — a documented simplification).
 */
import type { GuestInstruction } from '../../../../spec/vtx/guest/instructions.js';
import type { Guest } from '../non-root/guest.js';

export interface PortDevice {
  claims(port: number): boolean;
  /** IN: the byte (or value) read, zero-extended to the access size. */
  in(port: number, size: number): bigint;
  out(port: number, size: number, value: bigint): void;
}

/** The port of an IN/OUT, or null for other instructions. */
export const portOf = (g: Guest, i: GuestInstruction): number | null =>
  i.op === 'IN' || i.op === 'OUT' ? (typeof i.port === 'number' ? i.port & 0xff : Number(g.reg(2) & 0xffffn)) : null;

/** IN/OUT to a device port at CPL ≤ IOPL; returns false when the reference CPU should run it. */
export const deviceIo = (g: Guest, i: GuestInstruction, device: PortDevice): boolean => {
  if (i.op !== 'IN' && i.op !== 'OUT') return false;
  const port = portOf(g, i);
  if (port === null || !device.claims(port) || (g.protectedMode && g.cpu.cpl > g.iopl)) return false;
  const mask = i.size === 4 ? 0xffff_ffffn : i.size === 2 ? 0xffffn : 0xffn;
  if (i.op === 'OUT') {
    device.out(port, i.size, g.reg(0) & mask);
    return true;
  }
  const v = device.in(port, i.size) & mask;
  if (i.size === 4) g.setReg32(0, v);
  else g.setReg(0, (g.reg(0) & ~mask) | v);
  return true;
};
