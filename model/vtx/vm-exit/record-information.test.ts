/** §27.2: the exit-information fields a VM exit writes, and the ones it leaves alone. */
import { describe, expect, it } from 'vitest';
import { BUILTIN_PROFILES } from '../../../spec/vtx/profiles/index.js';
import { decodeCapabilities } from '../capabilities.js';
import { vmExit } from './index.js';
import { CAPS, exitInfo, field, guest, withCpu, withVmcs } from './test-support.js';

const stale = withVmcs(guest(), {
  VM_EXIT_REASON: 0x1fn, EXIT_QUALIFICATION: 0xdeadn, GUEST_LINEAR_ADDRESS: 0x1111n, GUEST_PHYSICAL_ADDRESS: 0x2222n,
  VM_EXIT_INTR_INFO: 0x8000_0b0en, VM_EXIT_INTR_ERROR_CODE: 0x33n, IDT_VECTORING_INFO_FIELD: 0x8000_0300n, IDT_VECTORING_ERROR_CODE: 0x44n,
  VM_EXIT_INSTRUCTION_LEN: 7n, VMX_INSTRUCTION_INFO: 0x55n,
});

describe('§27.2 recording VM-exit information', () => {
  it('VMEXIT.INFO.REASON: the basic reason replaces the previous exit reason', () => {
    const r = vmExit(CAPS, stale, exitInfo(10, { instructionLength: 2 }), []);
    expect(field(r.state, 'VM_EXIT_REASON')).toBe(10n);
    expect(r.observation).toEqual({ kind: 'vm-exit', exit: exitInfo(10, { instructionLength: 2 }) });
  });

  it('VMEXIT.INFO.QUALIFICATION: written for a CR access, cleared to 0 for an exit without one', () => {
    expect(field(vmExit(CAPS, stale, exitInfo(28, { qualification: 0x1234n }), []).state, 'EXIT_QUALIFICATION')).toBe(0x1234n);
    expect(field(vmExit(CAPS, stale, exitInfo(10), []).state, 'EXIT_QUALIFICATION')).toBe(0n);
  });

  it('VMEXIT.INFO.ADDRESSES: written when defined; an undefined address keeps the field', () => {
    const written = vmExit(CAPS, stale, exitInfo(48, { guestLinearAddress: 0x40_1000n, guestPhysicalAddress: 0x80_1000n }), []).state;
    expect(field(written, 'GUEST_LINEAR_ADDRESS')).toBe(0x40_1000n);
    expect(field(written, 'GUEST_PHYSICAL_ADDRESS')).toBe(0x80_1000n);
    const kept = vmExit(CAPS, stale, exitInfo(10), []).state;
    expect(field(kept, 'GUEST_LINEAR_ADDRESS')).toBe(0x1111n);
    expect(field(kept, 'GUEST_PHYSICAL_ADDRESS')).toBe(0x2222n);
  });

  it('VMEXIT.INFO.INTERRUPTION: a #GP exit writes the interruption information and its error code', () => {
    const s = vmExit(CAPS, stale, exitInfo(0, { interruptionInfo: 0x8000_0b0d, interruptionErrorCode: 0x18 }), []).state;
    expect(field(s, 'VM_EXIT_INTR_INFO')).toBe(0x8000_0b0dn);
    expect(field(s, 'VM_EXIT_INTR_ERROR_CODE')).toBe(0x18n);
  });

  it('VMEXIT.INFO.INTERRUPTION: other exits write bit 31 = 0 and leave the error-code field', () => {
    const s = vmExit(CAPS, stale, exitInfo(10), []).state;
    expect(field(s, 'VM_EXIT_INTR_INFO') >> 31n).toBe(0n);
    expect(field(s, 'VM_EXIT_INTR_ERROR_CODE')).toBe(0x33n);
  });

  it('VMEXIT.INFO.IDT_VECTORING: an exit during delivery records the event; one outside delivery writes bit 31 = 0', () => {
    const during = vmExit(CAPS, stale, exitInfo(48, { idtVectoringInfo: 0x8000_0b0e, idtVectoringErrorCode: 2 }), []).state;
    expect(field(during, 'IDT_VECTORING_INFO_FIELD')).toBe(0x8000_0b0en);
    expect(field(during, 'IDT_VECTORING_ERROR_CODE')).toBe(2n);
    const outside = vmExit(CAPS, stale, exitInfo(10), []).state;
    expect(field(outside, 'IDT_VECTORING_INFO_FIELD') >> 31n).toBe(0n);
    expect(field(outside, 'IDT_VECTORING_ERROR_CODE')).toBe(0x44n);
  });

  it('VMEXIT.INFO.INSTRUCTION: length and information written when defined, kept when undefined', () => {
    const s = vmExit(CAPS, stale, exitInfo(46, { instructionLength: 3, instructionInfo: 0x0040_0080 }), []).state;
    expect(field(s, 'VM_EXIT_INSTRUCTION_LEN')).toBe(3n);
    expect(field(s, 'VMX_INSTRUCTION_INFO')).toBe(0x0040_0080n);
    const kept = vmExit(CAPS, stale, exitInfo(1), []).state;
    expect(field(kept, 'VM_EXIT_INSTRUCTION_LEN')).toBe(7n);
    expect(field(kept, 'VMX_INSTRUCTION_INFO')).toBe(0x55n);
  });

  it('VMEXIT.INFO.ENTRY_INTR_CLEARED: the VM-entry interruption-information valid bit is cleared, the rest kept', () => {
    const s = withVmcs(guest(), { VM_ENTRY_INTR_INFO_FIELD: 0x8000_0b0en });
    expect(field(vmExit(CAPS, s, exitInfo(10), []).state, 'VM_ENTRY_INTR_INFO_FIELD')).toBe(0xb0en);
  });

  it('VMEXIT.INFO.IA32E_GUEST: with IA32_VMX_MISC[5] = 1 the "IA-32e mode guest" control follows IA32_EFER.LMA', () => {
    // A guest that left IA-32e mode (LMA = 0) while the control said 1.
    const left = withCpu(guest(), { efer: 0n });
    expect((field(vmExit(CAPS, left, exitInfo(10), []).state, 'VM_ENTRY_CONTROLS') >> 9n) & 1n).toBe(0n);
    expect((field(vmExit(CAPS, guest(), exitInfo(10), []).state, 'VM_ENTRY_CONTROLS') >> 9n) & 1n).toBe(1n);
  });

  it('VMEXIT.INFO.IA32E_GUEST: with IA32_VMX_MISC[5] = 0 the control is not touched', () => {
    const profile = BUILTIN_PROFILES['vtx-2006'];
    const left = withCpu(guest(profile), { efer: 0n });
    expect((field(vmExit(decodeCapabilities(profile), left, exitInfo(10), []).state, 'VM_ENTRY_CONTROLS') >> 9n) & 1n).toBe(1n);
  });
});
