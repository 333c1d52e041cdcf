import { describe, expect, it } from 'vitest';
import { GUEST_LAYOUT, nonRootBaseline, withCpu, withMemory, withVmcs } from '../../../../conformance/vtx/non-root/baseline.js';
import { BUILTIN_PROFILES } from '../../../../spec/vtx/profiles/index.js';
import { readField, readMemory64, type VtxState } from '../../../../spec/vtx/state.js';
import { decodeCapabilities } from '../../capabilities.js';
import type { NonRootResult } from '../result.js';
import { injectEvent } from './inject.js';
import { withControls } from './testing.js';

const profile = BUILTIN_PROFILES['bochs-skylake-x'];
const caps = decodeCapabilities(profile);
const base = nonRootBaseline(profile);
const L = GUEST_LAYOUT;
const VALID = 0x8000_0000n;

const injecting = (s: VtxState, info: bigint, fields: { error?: bigint; length?: bigint } = {}): VtxState =>
  withVmcs(s, { VM_ENTRY_INTR_INFO_FIELD: VALID | info, VM_ENTRY_EXCEPTION_ERROR_CODE: fields.error ?? 0n, VM_ENTRY_INSTRUCTION_LEN: fields.length ?? 0n });
const inject = (s: VtxState): NonRootResult => {
  const r = injectEvent(caps, s);
  if (r === null) throw new Error('expected an injection');
  return r;
};
const exitOf = (r: NonRootResult) => {
  if (r.observation.kind !== 'vm-exit') throw new Error(`expected a VM exit, got ${r.observation.kind}`);
  return r.observation.exit;
};
const stack = (s: VtxState, n: number): bigint[] => Array.from({ length: n }, (_, i) => readMemory64(s.memory, s.cpu.rsp + BigInt(8 * i)));
const field = (s: VtxState, f: 'GUEST_RIP' | 'VM_ENTRY_INTR_INFO_FIELD'): bigint => readField(s.vmcs.get(s.currentVmcs!)!.fields, f);
const gateWithAccess = (s: VtxState, v: number, access: number): VtxState => {
  const at = L.idt + BigInt(16 * v);
  return withMemory(s, [[at, (readMemory64(s.memory, at) & ~(0xffn << 40n)) | (BigInt(access) << 40n)]]);
};

describe('VM-entry event injection (§26.5)', () => {
  it('INJECT.VALID: nothing is injected when bit 31 is 0; an injected event leaves the field as it is (VM exits clear it)', () => {
    expect(injectEvent(caps, withVmcs(base, { VM_ENTRY_INTR_INFO_FIELD: 0x30n }))).toBeNull();
    const r = inject(injecting(base, 0x30n));
    expect(field(r.state, 'VM_ENTRY_INTR_INFO_FIELD')).toBe(VALID | 0x30n);
  });

  it('INJECT.DELIVERY: an external interrupt (type 0) is delivered through the guest IDT', () => {
    const r = inject(injecting(base, 0x30n));
    expect(r.observation).toEqual({ kind: 'delivered', vector: 0x30, type: 'external-interrupt', errorCode: null });
    expect(r.state.cpu.rip).toBe(L.handlers + 16n * 0x30n);
  });

  it('INJECT.RIP: a software interrupt (type 4) pushes RIP + the VM-entry instruction length; a hardware exception the guest RIP', () => {
    const sw = inject(injecting(base, 0x80n | (4n << 8n), { length: 2n }));
    expect(stack(sw.state, 1)).toEqual([L.rip + 2n]);
    const hw = inject(injecting(base, 6n | (3n << 8n), { length: 2n }));
    expect(stack(hw.state, 1)).toEqual([L.rip]);
  });

  it('INJECT.ERRORCODE: the VM-entry exception error code is pushed exactly when bit 11 is 1', () => {
    const withCode = inject(injecting(base, 13n | (3n << 8n) | (1n << 11n), { error: 0x1234n }));
    expect(withCode.observation).toEqual({ kind: 'delivered', vector: 13, type: 'hardware-exception', errorCode: 0x1234 });
    expect(stack(withCode.state, 2)).toEqual([0x1234n, L.rip]);
    const without = inject(injecting(base, 13n | (3n << 8n), { error: 0x1234n }));
    expect(stack(without.state, 1)).toEqual([L.rip]);
    expect(without.state.cpu.rsp).toBe(L.rsp - 40n);
  });

  it('INJECT.DPL: an injected INT n at CPL 3 through a DPL-0 gate faults (#GP, EXT = 0); an external interrupt there does not', () => {
    const user = withCpu(base, { cpl: 3 });
    const sw = inject(injecting(user, 0x21n | (4n << 8n), { length: 2n }));
    expect(sw.observation).toEqual({ kind: 'delivered', vector: 13, type: 'hardware-exception', errorCode: (0x21 << 3) | 2 });
    expect(inject(injecting(user, 0x21n)).observation).toMatchObject({ vector: 0x21, type: 'external-interrupt' });
  });

  it('INJECT.EXT: the first nested exception has EXT = 1 for a hardware exception and EXT = 0 for a software exception', () => {
    const s = gateWithAccess(base, 3, 0x0e); // gate 3 not present
    expect(inject(injecting(s, 3n | (3n << 8n))).observation).toMatchObject({ vector: 11, errorCode: (3 << 3) | 2 | 1 });
    expect(inject(injecting(s, 3n | (6n << 8n), { length: 1n })).observation).toMatchObject({ vector: 11, errorCode: (3 << 3) | 2 });
  });

  it('INJECT.RIP: when a nested exception is delivered instead, the guest RIP is pushed whatever the type', () => {
    const s = gateWithAccess(base, 3, 0x0e);
    const r = inject(injecting(s, 3n | (6n << 8n), { length: 1n }));
    expect(stack(r.state, 2)).toEqual([(3n << 3n) | 2n, L.rip]);
  });

  it('INJECT.SIDEEFFECTS: an injected #PF leaves CR2, an injected #DB leaves DR6 and DR7', () => {
    const pf = inject(injecting(withCpu(base, { cr2: 0x1111n }), 14n | (3n << 8n) | (1n << 11n), { error: 2n }));
    expect(pf.state.cpu.cr2).toBe(0x1111n);
    const db = inject(injecting(withCpu(base, { dr7: 0x2400n }), 1n | (3n << 8n)));
    expect(db.state.cpu.dr6).toBe(base.cpu.dr6);
    expect(db.state.cpu.dr7).toBe(0x2400n);
  });

  it('INJECT.NOEXIT: an injected exception is delivered even with its exception-bitmap bit set; an injected NMI even with NMI exiting', () => {
    const s = withControls(withVmcs(base, { EXCEPTION_BITMAP: 0xffff_ffffn }), ['pin.NMI_EXITING']);
    expect(inject(injecting(s, 6n | (3n << 8n))).observation.kind).toBe('delivered');
    expect(inject(injecting(s, 2n | (2n << 8n))).observation).toMatchObject({ kind: 'delivered', vector: 2, type: 'nmi' });
  });

  it('INJECT.NESTED: a #GP during delivery of the injected event exits by the bitmap with the injected event as IDT-vectoring information', () => {
    const s = withVmcs(gateWithAccess(base, 0x80, 0x8c), { EXCEPTION_BITMAP: 1n << 13n });
    const r = inject(injecting(s, 0x80n | (4n << 8n), { length: 2n }));
    const e = exitOf(r);
    expect(e.reason).toBe(0);
    expect(e.interruptionInfo).toBe(0x8000_0b0d);
    expect(e.interruptionErrorCode).toBe((0x80 << 3) | 2);
    expect(e.idtVectoringInfo).toBe(0x8000_0480);
    expect(e.instructionLength).toBe(2);
    expect(field(r.state, 'GUEST_RIP')).toBe(L.rip);
  });

  it('INJECT.NESTED: the IDT page not present under EPT: EPT violation with the injected event as IDT-vectoring information', () => {
    const EPT_PT = 0x13000n;
    const ept = withVmcs(withControls(base, ['proc2.ENABLE_EPT']), { EPT_POINTER: L.eptPml4 | (3n << 3n) | 6n });
    const split = withMemory(ept, [
      [L.eptPd, EPT_PT | 7n],
      ...Array.from({ length: 512 }, (_, i) => [EPT_PT + BigInt(8 * i), i === 9 ? 0n : (BigInt(i) << 12n) | 7n | (6n << 3n)] as const),
    ]);
    const e = exitOf(inject(injecting(split, 13n | (3n << 8n) | (1n << 11n), { error: 0x18n })));
    expect(e.reason).toBe(48);
    expect(e.qualification).toBe(0x181n); // read, nothing allowed, linear valid, final translation
    expect(e.guestPhysicalAddress).toBe(L.idt + 16n * 13n);
    expect(e.idtVectoringInfo).toBe(0x8000_0b0d);
    expect(e.idtVectoringErrorCode).toBe(0x18);
  });

  it('INJECT.NESTED: injecting #DF into an IDT without gate 8 is a triple fault (no IDT-vectoring information)', () => {
    const e = exitOf(inject(injecting(withCpu(base, { idtr: { base: L.idt, limit: 0x7f } }), 8n | (3n << 8n) | (1n << 11n))));
    expect(e.reason).toBe(2);
    expect(e.idtVectoringInfo).toBe(0);
  });

  it('INJECT.NMI.BLOCKING: an injected NMI leaves NMI blocking (with virtual NMIs: virtual-NMI blocking) in effect', () => {
    expect(inject(injecting(base, 2n | (2n << 8n))).state.cpu.blockingByNmi).toBe(true);
    const v = withControls(base, ['pin.NMI_EXITING', 'pin.VIRTUAL_NMIS']);
    expect(inject(injecting(v, 2n | (2n << 8n))).state.cpu.blockingByNmi).toBe(true);
  });

  it('INJECT.INTERRUPTIBILITY: after a vectoring entry there is no blocking by STI or MOV SS', () => {
    const r = inject(injecting(withCpu(base, { blockingBySti: true, blockingByMovSs: true, rflags: 0x202n }), 6n | (3n << 8n)));
    expect(r.state.cpu.blockingBySti).toBe(false);
    expect(r.state.cpu.blockingByMovSs).toBe(false);
  });

  it('INJECT.PENDINGDEBUG: a vectoring entry drops pending debug exceptions, unless a software event is injected under MOV-SS blocking', () => {
    const pending = withCpu(base, { pendingDebug: 1n << 14n });
    expect(inject(injecting(pending, 0x30n)).state.cpu.pendingDebug).toBe(0n);
    const movSs = withCpu(pending, { blockingByMovSs: true });
    expect(inject(injecting(movSs, 3n | (6n << 8n), { length: 1n })).state.cpu.pendingDebug).toBe(1n << 14n);
  });

  it('INJECT.ACTIVITY: an injected event wakes a guest entered in the HLT state', () => {
    const r = inject(injecting(withCpu(base, { activity: 'hlt' }), 0x30n));
    expect(r.state.cpu.activity).toBe('active');
  });

  it('INJECT.MTF.PENDING: type 7 vector 0 delivers nothing and exits with MTF at the guest RIP, even with the control 0; INIT first', () => {
    const r = inject(injecting(base, 7n << 8n));
    expect(exitOf(r).reason).toBe(37);
    expect(field(r.state, 'GUEST_RIP')).toBe(L.rip);
    const init = withCpu(base, { pending: { ...base.cpu.pending, init: true } });
    expect(exitOf(inject(injecting(init, 7n << 8n))).reason).toBe(3);
  });

  it('INJECT.MTF.AFTER: with the monitor trap flag, an MTF exit follows the delivery, at the handler', () => {
    const r = inject(injecting(withControls(base, ['proc.MONITOR_TRAP_FLAG']), 0x30n));
    expect(exitOf(r).reason).toBe(37);
    expect(field(r.state, 'GUEST_RIP')).toBe(L.handlers + 16n * 0x30n);
  });
});
