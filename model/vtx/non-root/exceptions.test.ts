import { describe, expect, it } from 'vitest';
import { GUEST_LAYOUT, nonRootBaseline, withCpu, withMemory, withVmcs } from '../../../conformance/vtx/non-root/baseline.js';
import { BUILTIN_PROFILES } from '../../../spec/vtx/profiles/index.js';
import { readField, readMemory64, type VtxState } from '../../../spec/vtx/state.js';
import { decodeCapabilities } from '../capabilities.js';
import { raiseEvent } from './exceptions.js';
import type { NonRootResult } from './result.js';

const profile = BUILTIN_PROFILES['bochs-skylake-x'];
const caps = decodeCapabilities(profile);
const base = nonRootBaseline(profile);
const L = GUEST_LAYOUT;

const exitOf = (r: NonRootResult) => {
  if (r.observation.kind !== 'vm-exit') throw new Error(`expected a VM exit, got ${r.observation.kind}`);
  return r.observation.exit;
};
/** The 8-byte stack slots from RSP upwards. */
const stack = (s: VtxState, n: number): bigint[] => Array.from({ length: n }, (_, i) => readMemory64(s.memory, s.cpu.rsp + BigInt(8 * i)));
/** The guest RIP a VM exit saved in the VMCS. */
const savedRip = (s: VtxState): bigint => readField(s.vmcs.get(s.currentVmcs!)!.fields, 'GUEST_RIP');
const handler = (v: number): bigint => L.handlers + BigInt(16 * v);
/** Gate of vector v with its access byte replaced (type/DPL/P). */
const gateWithAccess = (s: VtxState, v: number, access: number): VtxState => {
  const at = L.idt + BigInt(16 * v);
  const lo = readMemory64(s.memory, at);
  return withMemory(s, [[at, (lo & ~(0xffn << 40n)) | (BigInt(access) << 40n)]]);
};

describe('raiseEvent: the exception bitmap (§25.2)', () => {
  it('EXIT.EXCEPTION.BITMAP: exits: #UD with exception-bitmap bit 6 set; nothing of the exception happens', () => {
    const s = withVmcs(base, { EXCEPTION_BITMAP: 1n << 6n });
    const r = raiseEvent(caps, s, { vector: 6, type: 'hardware-exception', errorCode: null }, []);
    const e = exitOf(r);
    expect(e.reason).toBe(0);
    expect(e.interruptionInfo).toBe(0x8000_0306);
    expect(e.interruptionErrorCode).toBeNull();
    expect(e.qualification).toBe(0n);
    expect(e.idtVectoringInfo).toBe(0);
    expect(e.instructionLength).toBeNull();
    expect(r.decisions.map((d) => d.rule)).toContain('EXIT.EXCEPTION.BITMAP');
  });

  it('EXIT.EXCEPTION.BITMAP: does not exit: #UD with bit 6 clear (other bits set) is delivered through the guest IDT', () => {
    const s = withVmcs(base, { EXCEPTION_BITMAP: 0xffff_ffffn & ~(1n << 6n) });
    const r = raiseEvent(caps, s, { vector: 6, type: 'hardware-exception', errorCode: null }, []);
    expect(r.observation).toEqual({ kind: 'delivered', vector: 6, type: 'hardware-exception', errorCode: null });
    expect(r.state.cpu.rip).toBe(handler(6));
    // SS, RSP, RFLAGS (RF set: #UD is a fault), CS, RIP of the faulting instruction; RSP aligned to 16.
    expect(r.state.cpu.rsp).toBe(L.rsp - 40n);
    expect(stack(r.state, 5)).toEqual([L.rip, 0x8n, 0x1_0002n, L.rsp, 0x10n]);
  });

  it('EXIT.EXCEPTION.BITMAP: exits: INT3 is a software exception (type 6) with its instruction length, RIP of the INT3 saved', () => {
    const s = withVmcs(base, { EXCEPTION_BITMAP: 1n << 3n });
    const e = exitOf(raiseEvent(caps, s, { vector: 3, type: 'software-exception', errorCode: null, instructionLength: 1 }, []));
    expect(e.interruptionInfo).toBe(0x8000_0603);
    expect(e.instructionLength).toBe(1);
  });

  it('EXIT.EXCEPTION.BITMAP: does not exit: INT n is a software interrupt, which the bitmap does not filter; it pushes the next RIP', () => {
    const s = withCpu(withVmcs(base, { EXCEPTION_BITMAP: 0xffff_ffffn }), { rflags: 0x202n });
    const r = raiseEvent(caps, s, { vector: 0x80, type: 'software-interrupt', errorCode: null, instructionLength: 2 }, []);
    expect(r.observation).toEqual({ kind: 'delivered', vector: 0x80, type: 'software-interrupt', errorCode: null });
    expect(stack(r.state, 3)).toEqual([L.rip + 2n, 0x8n, 0x202n]);
    expect(r.state.cpu.rflags & 0x200n).toBe(0n);
  });

  it('EXIT.EXCEPTION.BITMAP: exits: an exception that exits directly saves RF as its delivery would push it', () => {
    const s = withVmcs(base, { EXCEPTION_BITMAP: 1n << 13n });
    const r = raiseEvent(caps, s, { vector: 13, type: 'hardware-exception', errorCode: 0 }, []);
    expect(exitOf(r).interruptionInfo).toBe(0x8000_0b0d);
    expect(exitOf(r).interruptionErrorCode).toBe(0);
  });
});

describe('raiseEvent: #PF and the error-code mask/match (§25.2)', () => {
  const pf = (s: VtxState, pfec: number) => raiseEvent(caps, s, { vector: 14, type: 'hardware-exception', errorCode: pfec, pageFaultAddress: 0xdead_b000n }, []);

  it('EXIT.EXCEPTION.PF: exits: bit 14 = 1, mask = match = 0 (every #PF exits); qualification = address, CR2 untouched', () => {
    const s = withVmcs(base, { EXCEPTION_BITMAP: 1n << 14n });
    const r = pf(s, 0x6);
    const e = exitOf(r);
    expect(e.reason).toBe(0);
    expect(e.interruptionInfo).toBe(0x8000_0b0e);
    expect(e.interruptionErrorCode).toBe(6);
    expect(e.qualification).toBe(0xdead_b000n);
    expect(r.state.cpu.cr2).toBe(base.cpu.cr2);
  });

  it('EXIT.EXCEPTION.PF: does not exit: bit 14 = 1 but PFEC AND mask ≠ match: delivered, CR2 loaded, error code pushed', () => {
    const s = withVmcs(base, { EXCEPTION_BITMAP: 1n << 14n, PAGE_FAULT_ERROR_CODE_MASK: 0x2n, PAGE_FAULT_ERROR_CODE_MATCH: 0x2n });
    const r = pf(s, 0x4);
    expect(r.observation).toEqual({ kind: 'delivered', vector: 14, type: 'hardware-exception', errorCode: 4 });
    expect(r.state.cpu.cr2).toBe(0xdead_b000n);
    expect(stack(r.state, 2)).toEqual([4n, L.rip]);
  });

  it('EXIT.EXCEPTION.PF: exits: bit 14 = 0 and PFEC AND mask ≠ match (the complement of bit 14 decides)', () => {
    const s = withVmcs(base, { EXCEPTION_BITMAP: 0n, PAGE_FAULT_ERROR_CODE_MASK: 0x1n, PAGE_FAULT_ERROR_CODE_MATCH: 0x1n });
    expect(exitOf(pf(s, 0x2)).reason).toBe(0);
    expect(pf(s, 0x3).observation.kind).toBe('delivered');
  });
});

describe('nested exceptions during delivery (Vol. 3A Table 6-5; §27.2.3)', () => {
  it('EVENT.VECTORING: a #GP during delivery of #UD (gate of vector 6 is not an interrupt gate) exits by bitmap bit 13 with IDT-vectoring information of the #UD', () => {
    const s = withVmcs(gateWithAccess(base, 6, 0x80 | 0x0c), { EXCEPTION_BITMAP: 1n << 13n });
    const r = raiseEvent(caps, s, { vector: 6, type: 'hardware-exception', errorCode: null }, []);
    const e = exitOf(r);
    expect(e.reason).toBe(0);
    expect(e.interruptionInfo).toBe(0x8000_0b0d);
    expect(e.interruptionErrorCode).toBe((6 << 3) | 2 | 1);
    expect(e.idtVectoringInfo).toBe(0x8000_0306);
    expect(e.idtVectoringErrorCode).toBeNull();
    expect(savedRip(r.state)).toBe(L.rip);
  });

  it('EVENT.VECTORING: during delivery of INT n the nested #GP has EXT = 0 and the exit reports the INT\'s instruction length', () => {
    const s = withVmcs(gateWithAccess(base, 0x21, 0x80 | 0x0c), { EXCEPTION_BITMAP: 1n << 13n });
    const e = exitOf(raiseEvent(caps, s, { vector: 0x21, type: 'software-interrupt', errorCode: null, instructionLength: 2 }, []));
    expect(e.interruptionErrorCode).toBe((0x21 << 3) | 2);
    expect(e.idtVectoringInfo).toBe(0x8000_0421);
    expect(e.instructionLength).toBe(2);
  });

  it('EVENT.DELIVERY.SERIAL: a not-present gate while delivering a benign exception: #NP(vector·8 + 3) is delivered instead', () => {
    const s = gateWithAccess(base, 6, 0x0e);
    const r = raiseEvent(caps, s, { vector: 6, type: 'hardware-exception', errorCode: null }, []);
    expect(r.observation).toEqual({ kind: 'delivered', vector: 11, type: 'hardware-exception', errorCode: 0x33 });
    expect(r.state.cpu.rip).toBe(handler(11));
  });

  it('EVENT.DELIVERY.DOUBLEFAULT: a #NP while delivering #GP becomes #DF(0), delivered through gate 8', () => {
    const s = gateWithAccess(base, 13, 0x0e);
    const r = raiseEvent(caps, s, { vector: 13, type: 'hardware-exception', errorCode: 0 }, []);
    expect(r.observation).toEqual({ kind: 'delivered', vector: 8, type: 'hardware-exception', errorCode: 0 });
    expect(stack(r.state, 2)).toEqual([0n, L.rip]);
  });

  it('EVENT.DELIVERY.DOUBLEFAULT: a #DF that exits by bitmap bit 8 exits directly, without IDT-vectoring information', () => {
    const s = withVmcs(gateWithAccess(base, 13, 0x0e), { EXCEPTION_BITMAP: 1n << 8n });
    const e = exitOf(raiseEvent(caps, s, { vector: 13, type: 'hardware-exception', errorCode: 0 }, []));
    expect(e.interruptionInfo).toBe(0x8000_0b08);
    expect(e.interruptionErrorCode).toBe(0);
    expect(e.idtVectoringInfo).toBe(0);
  });

  it('EXIT.TRIPLEFAULT: exits: the IDT holds no gate 13 nor 8, so #GP → #GP → #DF → #GP while delivering #DF', () => {
    const s = withCpu(base, { idtr: { base: L.idt, limit: 0x7f } });
    const r = raiseEvent(caps, s, { vector: 13, type: 'hardware-exception', errorCode: 0 }, []);
    const e = exitOf(r);
    expect(e.reason).toBe(2);
    expect(e.idtVectoringInfo).toBe(0);
    expect(e.interruptionInfo).toBe(0);
    expect(savedRip(r.state)).toBe(L.rip);
  });

  it('EXIT.TRIPLEFAULT: does not exit: with gate 8 inside the IDT limit the #DF is delivered', () => {
    const s = withCpu(base, { idtr: { base: L.idt, limit: 16 * 9 - 1 } });
    const r = raiseEvent(caps, s, { vector: 13, type: 'hardware-exception', errorCode: 0 }, []);
    expect(r.observation).toEqual({ kind: 'delivered', vector: 8, type: 'hardware-exception', errorCode: 0 });
  });

  it('EXIT.TRIPLEFAULT: does not exit: an exception during #DF delivery that exits by the bitmap is reported with the #DF as IDT-vectoring information', () => {
    // #PF → gate 14 not present: #NP → #DF → gate 8 not an interrupt gate: #GP, which bit 13 intercepts.
    const s = withVmcs(gateWithAccess(gateWithAccess(base, 14, 0x0e), 8, 0x8c), { EXCEPTION_BITMAP: 1n << 13n });
    const e = exitOf(raiseEvent(caps, s, { vector: 14, type: 'hardware-exception', errorCode: 2, pageFaultAddress: 0x1000n }, []));
    expect(e.reason).toBe(0);
    expect(e.interruptionInfo).toBe(0x8000_0b0d);
    expect(e.interruptionErrorCode).toBe((8 << 3) | 2 | 1);
    expect(e.idtVectoringInfo).toBe(0x8000_0b08);
    expect(e.idtVectoringErrorCode).toBe(0);
  });
  it('EVENT.DELIVERY.FRAME: a push failing part way writes nothing canonically; the items pushed before it may stay written (alternative)', () => {
    // RSP = 0x20: SS, RSP, RFLAGS, CS go to 0x18…0x0, RIP to 0xFFFF_FFFF_FFFF_FFF8, which is not mapped: #PF, intercepted by bit 14.
    const s = withVmcs(withCpu(base, { rsp: 0x20n }), { EXCEPTION_BITMAP: 1n << 14n });
    const r = raiseEvent(caps, s, { vector: 6, type: 'hardware-exception', errorCode: null }, []);
    const e = exitOf(r);
    expect(e.interruptionInfo).toBe(0x8000_0b0e);
    expect(e.qualification).toBe(0xffff_ffff_ffff_fff8n);
    expect(e.idtVectoringInfo).toBe(0x8000_0306);
    expect(readMemory64(r.state.memory, 0x18n)).toBe(readMemory64(base.memory, 0x18n));
    const partial = r.alternatives?.[0];
    expect(partial?.observation).toEqual(r.observation);
    expect(partial && readMemory64(partial.state.memory, 0x18n)).toBe(0x10n);
    expect(partial && readMemory64(partial.state.memory, 0x0n)).toBe(0x8n);
  });
});

describe('delivery through the IDT (Vol. 3A §6.12–6.14)', () => {
  it('EVENT.DELIVERY.STACK: a handler at CPL 0 called from CPL 3 runs on TSS.RSP0 with SS := null selector', () => {
    const s = withCpu(base, { cpl: 3, segments: { ...base.cpu.segments, cs: { ...base.cpu.segments.cs, selector: 0x2b }, ss: { ...base.cpu.segments.ss, selector: 0x33 } } });
    const r = raiseEvent(caps, s, { vector: 13, type: 'hardware-exception', errorCode: 0x10 }, []);
    expect(r.state.cpu.cpl).toBe(0);
    expect(r.state.cpu.rsp).toBe(L.rsp0 - 48n);
    expect(stack(r.state, 6)).toEqual([0x10n, L.rip, 0x2bn, 0x1_0002n, L.rsp, 0x33n]);
    expect(r.state.cpu.segments.ss.selector).toBe(0);
  });

  it('EVENT.DELIVERY.DPL: INT n at CPL 3 through a DPL-0 gate raises #GP(vector·8 + 2)', () => {
    const s = withCpu(base, { cpl: 3 });
    const r = raiseEvent(caps, s, { vector: 0x21, type: 'software-interrupt', errorCode: null, instructionLength: 2 }, []);
    expect(r.observation).toEqual({ kind: 'delivered', vector: 13, type: 'hardware-exception', errorCode: 0x10a });
  });

  /** A protected-mode guest without paging, whose IDT at 0x50000 holds the given 8-byte gates. */
  const protectedMode = (gates: readonly (readonly [number, bigint])[]): VtxState =>
    withMemory(withCpu(base, { cr0: 0x31n, cr4: 0x2000n, efer: 0n, csL: false, rsp: 0x8000n, idtr: { base: 0x50000n, limit: 0x7ff } }),
      gates.map(([v, g]) => [0x50000n + BigInt(8 * v), g] as const));

  it('EVENT.DELIVERY.IDT32: a 32-bit interrupt gate: EFLAGS, CS, EIP and the error code pushed as 4-byte items', () => {
    const gate = 0x2345n | (0x08n << 16n) | (0x8en << 40n) | (0x0001n << 48n); // offset 0x00012345
    const r = raiseEvent(caps, protectedMode([[14, gate]]), { vector: 14, type: 'hardware-exception', errorCode: 2, pageFaultAddress: 0x777n }, []);
    expect(r.observation).toEqual({ kind: 'delivered', vector: 14, type: 'hardware-exception', errorCode: 2 });
    expect(r.state.cpu.rip).toBe(0x12345n);
    expect(r.state.cpu.rsp).toBe(0x8000n - 16n);
    expect(readMemory64(r.state.memory, 0x7ff0n)).toBe((L.rip << 32n) | 2n);
    expect(readMemory64(r.state.memory, 0x7ff8n)).toBe((0x1_0002n << 32n) | 0x8n);
    expect(r.state.cpu.cr2).toBe(0x777n);
  });

  it('EVENT.DELIVERY.TASKGATE: a task gate in a protected-mode IDT makes delivery a task switch, which exits (reason 9, source 3) with IDT-vectoring information', () => {
    const taskGate = (0x40n << 16n) | (0x85n << 40n);
    const e = exitOf(raiseEvent(caps, protectedMode([[13, taskGate]]), { vector: 13, type: 'hardware-exception', errorCode: 0 }, []));
    expect(e.reason).toBe(9);
    expect(e.qualification).toBe(0xc000_0040n);
    expect(e.idtVectoringInfo).toBe(0x8000_0b0d);
    expect(e.idtVectoringErrorCode).toBe(0);
  });

  it('EVENT.DELIVERY.IVT: in real-address mode the IVT gives CS:IP and FLAGS, CS, IP are pushed without an error code', () => {
    const real = withCpu(base, {
      cr0: 0x30n, efer: 0n, csL: false, rip: 0x1234n, rsp: 0x8000n, rflags: 0x202n, idtr: { base: 0n, limit: 0x3ff },
      segments: { ...base.cpu.segments, cs: { selector: 0x100, base: 0x1000n, limit: 0xffff, accessRights: 0x9b }, ss: { selector: 0, base: 0n, limit: 0xffff, accessRights: 0x93 } },
    });
    const s = withMemory(real, [[0x30n, 0x0200_0010n << 32n]]); // vector 13 at 4·13 = 0x34: IP 0x0010, CS 0x0200
    const r = raiseEvent(caps, s, { vector: 13, type: 'hardware-exception', errorCode: 0 }, []);
    expect(r.observation).toEqual({ kind: 'delivered', vector: 13, type: 'hardware-exception', errorCode: null });
    expect(r.state.cpu.rip).toBe(0x10n);
    expect(r.state.cpu.segments.cs.base).toBe(0x2000n);
    expect(r.state.cpu.rsp).toBe(0x8000n - 6n);
    expect(readMemory64(r.state.memory, 0x7ff8n) >> 16n).toBe(0x0202_0100_1234n);
  });
});
