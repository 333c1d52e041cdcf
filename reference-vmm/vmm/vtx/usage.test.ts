/**
 * The usage models of the paper (ITJ "Usage of the Intel Virtualization Architecture", VT-x), each
 * checked on the reference VMM against the native run of the same guest.
 */
import { describe, expect, it } from 'vitest';
import { assemble, type AsmItem } from '../../guests/vtx/assemble.js';
import { interruptMaskingKernel, pageTableKernel, tprKernel, VTX_GUESTS } from '../../guests/vtx/kernels.js';
import { handlerOf, LAYOUT, standardGuest } from '../../guests/vtx/layout.js';
import type { ScheduledEvent, VtxGuestProgram } from '../../guests/vtx/program.js';
import { configWithout, DEFAULT_VTX_VMM_CONFIG, runNative, runUnderVmm, type VtxGuestView, type VtxVmmConfig } from './run.js';

const prog = (items: AsmItem[], events: ScheduledEvent[] = [], cpu = {}): VtxGuestProgram =>
  ({ name: 't', description: '', code: assemble(items).code, initial: standardGuest(cpu), events, maxInstructions: 200 });
type Log = VtxGuestView['log'][number];
const delivered = (v: VtxGuestView): Extract<Log, { kind: 'delivered' }>[] =>
  v.log.filter((e): e is Extract<Log, { kind: 'delivered' }> => e.kind === 'delivered');

describe('exception handling', () => {
  const faulting = prog([
    { org: LAYOUT.code },
    { op: 'UD2' },
    { op: 'MOV_RI', dst: 5, imm: 0x8000_0000_0000_0000n }, { op: 'LOAD', size: 8, dst: 6, mem: { base: 5, disp: 0n } },
    { op: 'MOV_RI', dst: 5, imm: 0x0300_0000n }, { op: 'STORE', size: 8, src: 6, mem: { base: 5, disp: 0n } },
    // Handlers skip the 2-byte (UD2) or 3-byte (LOAD) faulting instruction; #GP pops its error code first.
    { org: handlerOf(6) }, { op: 'JMP', to: 'ud' },
    { org: handlerOf(13) }, { op: 'JMP', to: 'gp' },
    { org: handlerOf(14) }, { op: 'MOV_FROM_CR', cr: 2, dst: 10 }, { op: 'HLT' },
    { org: 0x12_0000n }, { label: 'ud' }, { op: 'POP', dst: 8 }, { op: 'MOV_RI', dst: 9, imm: 2n }, { op: 'ALU', fn: 'add', dst: 8, src: 9 }, { op: 'PUSH', src: 8 }, { op: 'IRET' },
    { label: 'gp' }, { op: 'POP', dst: 7 }, { op: 'POP', dst: 8 }, { op: 'MOV_RI', dst: 9, imm: 3n }, { op: 'ALU', fn: 'add', dst: 8, src: 9 }, { op: 'PUSH', src: 8 }, { op: 'IRET' },
  ]);
  const native = runNative(faulting).guestView;

  it('PAPER.USAGE.EXCEPTION-REFLECT: #UD, #GP(0) and #PF exit by the exception bitmap and are reflected with the same vector and error code', () => {
    const r = runUnderVmm(faulting, { ...DEFAULT_VTX_VMM_CONFIG, reflect: [6, 13, 14] });
    expect(r.exits.byCause['Exception or non-maskable interrupt (NMI)']).toBe(3);
    expect(delivered(r.guestView)).toEqual(delivered(native));
    expect(delivered(native).map((e) => [e.vector, e.errorCode])).toEqual([[6, null], [13, 0], [14, 2]]);
    // The #PF handler read CR2: the VMM set it from the exit qualification before injecting.
    expect(r.guestView.registers.gpr[10]).toBe(0x0300_0000n);
    expect(r.guestView).toEqual(native);
  });

  it('PAPER.USAGE.EXCEPTION-RESUME: under shadow paging the VMM fills the missing shadow entry and the guest resumes at the faulting instruction', () => {
    const r = runUnderVmm(faulting, configWithout(['ept']));
    expect(r.exits.byCause['Exception or non-maskable interrupt (NMI)']).toBeGreaterThan(1);
    expect(r.guestView).toEqual(native);
  });

  it('PAPER.USAGE.NESTED-FAULT: an interrupt whose delivery meets a shadow-page miss on a fresh stack is injected again after the fill', () => {
    const p = prog([
      { org: LAYOUT.code }, { op: 'STI' }, { op: 'NOP' }, { op: 'NOP' }, { op: 'NOP' },
      { org: handlerOf(0x30) }, { op: 'IRET' },
    ], [{ after: 2, event: { kind: 'external-interrupt', vector: 0x30 } }], { rsp: 0x0090_0000n });
    const n = runNative(p).guestView;
    const r = runUnderVmm(p, configWithout(['ept']));
    expect(delivered(n)).toHaveLength(1);
    expect(r.guestView).toEqual(n);
  });
});

describe('interrupt virtualization', () => {
  it('PAPER.USAGE.INTERRUPT-INJECTION: an interrupt arriving under CLI exits, waits for the window and is injected at the boundary where the native guest takes it', () => {
    const p = interruptMaskingKernel(10);
    const n = runNative(p).guestView;
    const r = runUnderVmm(p);
    expect(r.exits.byCause['Interrupt window']).toBeGreaterThan(0);
    expect(delivered(r.guestView)).toEqual(delivered(n));
    expect(r.guestView).toEqual(n);
  });

  it('without interrupt-window exiting the VMM polls at every boundary and delivers at the same point, with more exits', () => {
    const p = interruptMaskingKernel(10);
    const a = runUnderVmm(p);
    const b = runUnderVmm(p, configWithout(['interrupt-window']));
    expect(b.guestView).toEqual(a.guestView);
    expect(b.exits.total).toBeGreaterThan(a.exits.total);
  });

  it('PAPER.SOLVE.TPR.VTX: TPR shadow — MOV CR8 does not exit; a masked interrupt is injected at the TPR-below-threshold exit', () => {
    const p = tprKernel(30);
    const n = runNative(p).guestView;
    const r = runUnderVmm(p);
    const c = runUnderVmm(p, configWithout(['tpr-shadow']));
    expect(r.exits.byCause['TPR below threshold']).toBeGreaterThan(0);
    expect(r.exits.byCause['Control-register accesses'] ?? 0).toBe(0);
    expect(c.exits.byCause['Control-register accesses']).toBe(30 * 3);
    expect(r.guestView).toEqual(n);
    expect(c.guestView).toEqual(n);
  });
});

describe('control registers, I/O and MSR bitmaps', () => {
  it('CR0/CR4 guest/host masks: the guest reads its own values (read shadows) and faults as natively on values only the VMM may set', () => {
    const p = prog([
      { org: LAYOUT.code },
      { op: 'MOV_FROM_CR', cr: 0, dst: 0 }, { op: 'MOV_FROM_CR', cr: 4, dst: 1 }, { op: 'SMSW', dst: 2 },
      { op: 'MOV_RI', dst: 3, imm: 0x8005_0013n }, { op: 'MOV_TO_CR', cr: 0, src: 3 }, // NE := 0: allowed natively
      { op: 'MOV_FROM_CR', cr: 0, dst: 11 },
      { op: 'MOV_RI', dst: 3, imm: 0x2620n }, { op: 'MOV_TO_CR', cr: 4, src: 3 }, // VMXE: reserved for the guest
      { op: 'NOP' },
      { org: handlerOf(13) }, { op: 'HLT' },
    ]);
    const n = runNative(p).guestView;
    const r = runUnderVmm(p);
    expect(n.registers.gpr[11]).toBe(0x8005_0013n);
    expect(delivered(n).map((e) => e.vector)).toEqual([13]);
    expect(r.exits.byCause['Control-register accesses']).toBe(2);
    expect(r.guestView).toEqual(n);
  });

  it('I/O bitmaps: OUT/IN at the serial device exit and are emulated from the exit qualification; other ports do not exit', () => {
    const p = prog([
      { org: LAYOUT.code },
      { op: 'MOV_RI', dst: 0, imm: 0x48n }, { op: 'MOV_RI', dst: 2, imm: 0x3f8n }, { op: 'OUT', size: 1, port: 'dx' },
      { op: 'MOV_RI', dst: 0, imm: 0x69n }, { op: 'OUT', size: 1, port: 'dx' },
      { op: 'IN', size: 1, port: 'dx' }, { op: 'MOV_RR', dst: 5, src: 0 },
      { op: 'MOV_RI', dst: 2, imm: 0x3fdn }, { op: 'IN', size: 4, port: 'dx' }, { op: 'MOV_RR', dst: 6, src: 0 },
      { op: 'IN', size: 1, port: 0x60 },
    ]);
    const n = runNative(p).guestView;
    const r = runUnderVmm(p);
    expect(n.output).toEqual([0x48, 0x69]);
    expect(n.registers.gpr[5]).toBe(2n);
    expect(n.registers.gpr[6]).toBe(0x60n);
    expect(r.exits.byCause['I/O instruction']).toBe(4);
    expect(r.guestView).toEqual(n);
  });

  it('MSR bitmaps: a WRMSR of the TSC exits and becomes a TSC offset; RDTSC and RDMSR then read the guest value without exits', () => {
    const p = prog([
      { op: 'MOV_RI', dst: 1, imm: 0x10n }, { op: 'MOV_RI', dst: 0, imm: 0x1234n }, { op: 'MOV_RI', dst: 2, imm: 5n },
      { op: 'WRMSR' }, { op: 'RDTSC' }, { op: 'MOV_RR', dst: 8, src: 0 }, { op: 'RDMSR' },
    ].map((i, k) => (k === 0 ? [{ org: LAYOUT.code }, i] : [i])).flat() as AsmItem[]);
    const n = runNative(p).guestView;
    const r = runUnderVmm(p);
    expect(n.registers.gpr[8]).toBe(0x1234n);
    expect(r.exits.byCause).toEqual({ WRMSR: 1 });
    expect(r.guestView).toEqual(n);
  });
});

describe('memory virtualization', () => {
  const configs: [string, VtxVmmConfig][] = [
    ['EPT, offset map', DEFAULT_VTX_VMM_CONFIG],
    ['EPT, identity map', { ...DEFAULT_VTX_VMM_CONFIG, guestBase: 0n }],
    ['shadow page tables', configWithout(['ept'])],
  ];
  for (const [name, config] of configs) {
    it(`PAPER.FUTURE.EPT: the page-table kernel sees the same memory natively and under ${name}`, () => {
      const p = pageTableKernel(10);
      expect(runUnderVmm(p, config).guestView).toEqual(runNative(p).guestView);
    });
  }
  it('with EPT, CR3 loads, INVLPG and #PF cause no exit; with shadow paging each does', () => {
    const p = pageTableKernel(10);
    expect(runUnderVmm(p).exits.total).toBe(0);
    const s = runUnderVmm(p, configWithout(['ept'])).exits.byCause;
    expect(s.INVLPG).toBe(20);
    expect(s['Control-register accesses']).toBe(30);
  });
});

describe('every guest kernel is equivalent natively and under every VMM configuration', () => {
  for (const [name, make] of Object.entries(VTX_GUESTS)) {
    it(`${name}: same guest view natively and under the VMM with each feature off`, () => {
      const p = make();
      const n = runNative(p).guestView;
      expect(n.end === 'done' || n.end === 'instruction-limit').toBe(true);
      for (const f of [[], ['tpr-shadow'], ['interrupt-window'], ['lazy-fpu'], ['ept'], ['msr-bitmaps']]) {
        expect(runUnderVmm(p, configWithout(f)).guestView, f.join()).toEqual(n);
      }
    });
  }
});
