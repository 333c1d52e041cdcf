import { describe, expect, it } from 'vitest';
import { assemble, link } from './assemble.js';

describe('assemble: one instruction per slot, three slots per bundle', () => {
  it('places instructions slot by slot and resolves labels to bundle starts', () => {
    const a = assemble(0x1000n, [
      { op: 'nop' },
      { label: 'top' },
      { op: 'add', r1: 1, r2: 1, r3: 2 },
      { op: 'br-cond', qp: 6, target: 'top' },
    ]);
    expect(a.labels.get('top')).toBe(0x1010n);
    expect([...a.code.keys()]).toEqual([0x1000n, 0x1001n, 0x1002n, 0x1010n, 0x1011n]);
    // The bundle before a label is padded with nops, so execution falls through to it.
    expect(a.code.get(0x1001n)).toEqual({ op: 'nop' });
    expect(a.code.get(0x1011n)).toEqual({ op: 'br-cond', qp: 6, target: 0x1010n });
  });

  it('moves to an address with org (an IVT entry)', () => {
    const a = assemble(0x1000n, [{ op: 'nop' }, { org: 0x3000n }, { op: 'rfi' }]);
    expect(a.code.get(0x3000n)).toEqual({ op: 'rfi' });
  });

  it('refuses undefined and duplicate labels, and overlapping pieces', () => {
    expect(() => assemble(0n, [{ op: 'br-cond', qp: 0, target: 'nowhere' }])).toThrow(/undefined label/);
    expect(() => assemble(0n, [{ label: 'x' }, { label: 'x' }])).toThrow(/twice/);
    expect(() => link(assemble(0n, [{ op: 'nop' }]), assemble(0n, [{ op: 'nop' }]))).toThrow(/two instructions/);
  });
});
