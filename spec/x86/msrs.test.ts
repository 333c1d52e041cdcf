import { describe, expect, test } from 'vitest';
import { ARCH_MSRS, ARCH_MSR_BY_INDEX, isCanonical, isX2ApicMsr, wrmsrVerdict, wrmsrWouldFault, type WrmsrContext } from './msrs.js';

const ctx: WrmsrContext = { linearAddressWidth: 48, maxPhysAddr: 39 };

describe('architectural MSRs', () => {
  test('indices are unique and the MSRs the VM-entry MSR-load rules name are there', () => {
    expect(new Set(ARCH_MSRS.map((m) => m.index)).size).toBe(ARCH_MSRS.length);
    const expected: [number, string][] = [
      [0x10, 'IA32_TIME_STAMP_COUNTER'], [0x48, 'IA32_SPEC_CTRL'], [0x9b, 'IA32_SMM_MONITOR_CTL'],
      [0x174, 'IA32_SYSENTER_CS'], [0x175, 'IA32_SYSENTER_ESP'], [0x176, 'IA32_SYSENTER_EIP'],
      [0x1d9, 'IA32_DEBUGCTL'], [0x277, 'IA32_PAT'], [0x38f, 'IA32_PERF_GLOBAL_CTRL'], [0xd90, 'IA32_BNDCFGS'],
      [0xc0000080, 'IA32_EFER'], [0xc0000081, 'IA32_STAR'], [0xc0000082, 'IA32_LSTAR'], [0xc0000083, 'IA32_CSTAR'],
      [0xc0000084, 'IA32_FMASK'], [0xc0000100, 'IA32_FS_BASE'], [0xc0000101, 'IA32_GS_BASE'],
      [0xc0000102, 'IA32_KERNEL_GS_BASE'], [0xc0000103, 'IA32_TSC_AUX'],
    ];
    for (const [index, name] of expected) expect(ARCH_MSR_BY_INDEX.get(index)?.name).toBe(name);
    expect(ARCH_MSR_BY_INDEX.get(0xc0000100)?.entryLoad).toBe('refused');
    expect(ARCH_MSR_BY_INDEX.get(0x9b)?.entryLoad).toBe('smm-only');
  });

  test('canonical addresses depend on the linear-address width', () => {
    expect(isCanonical(0x0000_7fff_ffff_ffffn, 48)).toBe(true);
    expect(isCanonical(0xffff_8000_0000_0000n, 48)).toBe(true);
    expect(isCanonical(0x0000_8000_0000_0000n, 48)).toBe(false);
    expect(isCanonical(0x0000_8000_0000_0000n, 57)).toBe(true);
    expect(wrmsrWouldFault(0xc0000082, 0x0000_8000_0000_0000n, ctx)).toBe(true);
    expect(wrmsrWouldFault(0xc0000082, 0x0000_8000_0000_0000n, { ...ctx, linearAddressWidth: 57 })).toBe(false);
    expect(wrmsrWouldFault(0x175, 0xffff_8000_0000_0000n, ctx)).toBe(false);
  });

  test('IA32_PAT: every byte must be 0, 1, 4, 5, 6 or 7', () => {
    expect(wrmsrWouldFault(0x277, 0x0007_0406_0007_0406n, ctx)).toBe(false);
    expect(wrmsrWouldFault(0x277, 0x0007_0406_0007_0402n, ctx)).toBe(true);
    expect(wrmsrWouldFault(0x277, 0x0807_0406_0007_0406n, ctx)).toBe(true);
  });

  test('IA32_EFER: only bits 0, 8, 10, 11; LME cannot change while paging', () => {
    expect(wrmsrWouldFault(0xc0000080, 0xd01n, ctx)).toBe(false);
    expect(wrmsrWouldFault(0xc0000080, 0xd03n, ctx)).toBe(true);
    expect(wrmsrVerdict(0xc0000080, 0x1000n, ctx)).toEqual({ kind: 'gp', rule: 'reserved-zero' });
    expect(wrmsrWouldFault(0xc0000080, 0x000n, { ...ctx, current: 0xd00n, pagingEnabled: true })).toBe(true);
    expect(wrmsrWouldFault(0xc0000080, 0x500n, { ...ctx, current: 0xd00n, pagingEnabled: true })).toBe(false);
    expect(wrmsrWouldFault(0xc0000080, 0x000n, { ...ctx, current: 0xd00n, pagingEnabled: false })).toBe(false);
  });

  test('masks from the profile, reserved bits, SMM-only, lock', () => {
    expect(wrmsrWouldFault(0x1d9, 0x4n, ctx)).toBe(true);
    expect(wrmsrWouldFault(0x1d9, 0x4n, { ...ctx, debugctlValidMask: 0xffc7n })).toBe(false);
    expect(wrmsrWouldFault(0x38f, 0x7_0000_000fn, ctx)).toBe(false);
    expect(wrmsrWouldFault(0x38f, 0x10n, ctx)).toBe(true);
    expect(wrmsrWouldFault(0xd90, 0x4n, ctx)).toBe(true);
    expect(wrmsrWouldFault(0xd90, 0xffff_8000_0000_1003n, ctx)).toBe(false);
    expect(wrmsrWouldFault(0xd90, 0x0000_8000_0000_1003n, ctx)).toBe(true);
    expect(wrmsrWouldFault(0xc0000084, 0x1_0000_0000n, ctx)).toBe(true);
    expect(wrmsrWouldFault(0xc0000103, 0xffff_ffffn, ctx)).toBe(false);
    expect(wrmsrWouldFault(0x9b, 0x1n, ctx)).toBe(true);
    expect(wrmsrWouldFault(0x9b, 0x1n, { ...ctx, inSmm: true })).toBe(false);
    expect(wrmsrWouldFault(0x3a, 0x5n, { ...ctx, current: 0x5n })).toBe(true);
    expect(wrmsrWouldFault(0x3a, 0x5n, { ...ctx, current: 0x0n })).toBe(false);
    expect(wrmsrWouldFault(0x3a, 0x8n, { ...ctx, current: 0x0n })).toBe(true);
    expect(wrmsrWouldFault(0x1b, 0xfee0_0900n, ctx)).toBe(false);
    expect(wrmsrWouldFault(0x1b, 0x80_fee0_0900n, ctx)).toBe(true);
  });

  test('an MSR the table does not know is not reported as faulting', () => {
    expect(wrmsrWouldFault(0x1234, 0xffff_ffff_ffff_ffffn, ctx)).toBe(false);
    expect(wrmsrVerdict(0x1234, 0n, ctx)).toEqual({ kind: 'unknown' });
  });

  test('x2APIC range', () => {
    expect(isX2ApicMsr(0x800)).toBe(true);
    expect(isX2ApicMsr(0x8ff)).toBe(true);
    expect(isX2ApicMsr(0x7ff)).toBe(false);
    expect(isX2ApicMsr(0x900)).toBe(false);
  });
});
