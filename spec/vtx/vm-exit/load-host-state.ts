/**
 * §27.5 "Loading Host State": from the host-state area, the VM-exit controls and fixed values, in any
 * order; the full 64 bits of each field are used whatever the mode. Subsections: control and debug
 * registers and MSRs (§27.5.1), segment and descriptor-table registers (§27.5.2), RIP/RSP/RFLAGS
 * (§27.5.3), host PDPTEs (§27.5.4), non-register state (§27.5.5), address-range monitoring (§27.5.6).
 * N below is the processor's linear-address width: "bits 63:N are set to bit N-1".
 */
import { rule, type TransitionRuleSpec } from './rule.js';

const R = (section: string, statement: string, controlledBy: TransitionRuleSpec['controlledBy'], source: string, extra: Partial<TransitionRuleSpec> = {}) =>
  rule({ section, stage: 'load-host', statement, controlledBy, source, ...extra });

const HASZ = 'exit.HOST_ADDRESS_SPACE_SIZE' as const;

export const LOAD_HOST_STATE_RULES = {
  'VMEXIT.HOST.CR0': R('27.5.1', 'CR0 is loaded from the host CR0 field except ET (4), NW (29), CD (30), bits 63:32, 28:19, 17 and 15:6, which keep their values (the VMX-fixed bits hold their fixed values)', ['HOST_CR0'], 'S 27.5.1; BX VMexitLoadHostState (mask 7FFAFFD0H)'),
  'VMEXIT.HOST.CR3': R('27.5.1', 'CR3 is loaded from the host CR3 field; bits 63:52 and bits 51:32 at or above the physical-address width are 0', ['HOST_CR3'], 'S 27.5.1', { confidence: 'S' }),
  'VMEXIT.HOST.CR4': R('27.5.1', 'CR4 is loaded from the host CR4 field (VMX-fixed bits keep their fixed values); CR4.PAE := 1 if "host address-space size" = 1, CR4.PCIDE := 0 if it is 0', ['HOST_CR4', HASZ], 'S 27.5.1'),
  'VMEXIT.HOST.DR7': R('27.5.1', 'DR7 is set to 00000400H', [], 'S 27.5.1; BX; K'),
  'VMEXIT.HOST.DEBUGCTL': R('27.5.1', 'IA32_DEBUGCTL is cleared to 0', [], 'S 27.5.1; K'),
  'VMEXIT.HOST.SYSENTER': R('27.5.1', 'IA32_SYSENTER_CS is loaded from its 32-bit field (bits 63:32 = 0); IA32_SYSENTER_ESP and _EIP from their fields with bits 63:N set to bit N-1', ['HOST_IA32_SYSENTER_CS', 'HOST_IA32_SYSENTER_ESP', 'HOST_IA32_SYSENTER_EIP'], 'S 27.5.1; BX'),
  'VMEXIT.HOST.EFER': R('27.5.1', 'With "load IA32_EFER" = 1, IA32_EFER is loaded from the host field; otherwise LMA and LME are set to "host address-space size" and the other bits are unchanged', ['exit.LOAD_IA32_EFER', 'HOST_IA32_EFER', HASZ], 'S 27.5.1; BX; K'),
  'VMEXIT.HOST.PERF_GLOBAL_CTRL': R('27.5.1', 'With "load IA32_PERF_GLOBAL_CTRL" = 1, IA32_PERF_GLOBAL_CTRL is loaded from the host field', ['exit.LOAD_IA32_PERF_GLOBAL_CTRL', 'HOST_IA32_PERF_GLOBAL_CTRL'], 'S 27.5.1; K', { confidence: 'S' }),
  'VMEXIT.HOST.PAT': R('27.5.1', 'With "load IA32_PAT" = 1, IA32_PAT is loaded from the host field', ['exit.LOAD_IA32_PAT', 'HOST_IA32_PAT'], 'S 27.5.1; BX; K'),
  'VMEXIT.HOST.BNDCFGS': R('27.5.1', 'With "clear IA32_BNDCFGS" = 1, IA32_BNDCFGS is cleared to 0; otherwise unchanged', ['exit.CLEAR_IA32_BNDCFGS'], 'S 27.5.1; K', { confidence: 'S' }),
  'VMEXIT.HOST.SEGMENTS.CS': R('27.5.2',
    'CS: selector from the host field, base 0, limit FFFFFFFFH, type 11, S = 1, DPL 0, P = 1, L = "host address-space size", D/B = its inverse, G = 1; CPL becomes 0 and no exit is to compatibility mode',
    ['HOST_CS_SELECTOR', HASZ], 'S 27.5.2; BX'),
  'VMEXIT.HOST.SEGMENTS.DATA': R('27.5.2',
    'SS, DS, ES, FS, GS: selector from the host field; unusable iff it is 0000H; when usable base 0 (FS, GS: the host base field, bits 63:N from N-1), limit FFFFFFFFH, type 3, S = 1, DPL 0, P = 1, D/B = 1, G = 1; SS.DPL is 0 even when unusable; the FS/GS bases are loaded even when unusable if "host address-space size" = 1 and are also the FS.base/GS.base MSRs',
    ['HOST_SS_SELECTOR', 'HOST_DS_SELECTOR', 'HOST_ES_SELECTOR', 'HOST_FS_SELECTOR', 'HOST_GS_SELECTOR', 'HOST_FS_BASE', 'HOST_GS_BASE', HASZ], 'S 27.5.2; BX (K loads null selectors as usable: !)'),
  'VMEXIT.HOST.SEGMENTS.TR': R('27.5.2', 'TR: selector and base from the host fields (bits 63:N from N-1), limit 00000067H, type 11 (busy TSS), S = 0, DPL 0, P = 1, D/B = 0, G = 0; never unusable', ['HOST_TR_SELECTOR', 'HOST_TR_BASE'], 'S 27.5.2; BX'),
  'VMEXIT.HOST.SEGMENTS.LDTR': R('27.5.2', 'LDTR: selector 0000H, unusable; base undefined but canonical', [], 'S 27.5.2; BX'),
  'VMEXIT.HOST.DESCRIPTOR_TABLES': R('27.5.2', 'GDTR and IDTR bases are loaded from the host fields (bits 63:N from N-1); both limits are set to FFFFH', ['HOST_GDTR_BASE', 'HOST_IDTR_BASE'], 'S 27.5.2; BX'),
  'VMEXIT.HOST.RIP_RSP': R('27.5.3', 'RIP and RSP are loaded from the host RIP and RSP fields', ['HOST_RIP', 'HOST_RSP'], 'S 27.5.3; BX'),
  'VMEXIT.HOST.RFLAGS': R('27.5.3', 'RFLAGS is cleared except bit 1: 00000002H', [], 'S 27.5.3; BX'),
  'VMEXIT.HOST.PDPTE': R('27.5.4',
    'An exit to a PAE-paging host (host CR4.PAE = 1, "host address-space size" = 0) must check the PDPTEs at host CR3 when PAE paging was not in use before or CR3 changes (and may check them otherwise) as MOV to CR3 would; a failure is VMX abort 2',
    ['HOST_CR3', 'HOST_CR4', HASZ], 'S 27.5.4; BX', { confidence: 'S' }),
  'VMEXIT.HOST.IA32E': R('27.5',
    'If the processor was in IA-32e mode before the exit and "host address-space size" = 0, the exit ends in a VMX abort with indicator 6',
    [HASZ], 'S 27.5, 27.7; BX VMABORT_VMEXIT_TO_32BIT_HOST_FROM_64BIT_GUEST', { confidence: 'S' }),
  'VMEXIT.HOST.ACTIVITY': R('27.5.5', 'The processor is in the active state after every VM exit', [], 'S 27.5.5'),
  'VMEXIT.HOST.BLOCKING': R('27.5.5',
    'There is no blocking by STI or MOV SS after a VM exit; blocking by NMI is set by an exit caused directly by an NMI and otherwise unchanged (with "virtual NMIs" = 1 the guest\'s virtual-NMI blocking is not NMI blocking)',
    ['pin.VIRTUAL_NMIS'], 'S 27.5.5, 27.1'),
  'VMEXIT.HOST.PENDING_DEBUG': R('27.5.5', 'There are no pending debug exceptions after a VM exit', [], 'S 27.5.5'),
  'VMEXIT.HOST.TLB': R('27.5.5', 'With "enable VPID" = 0 the exit invalidates linear and combined mappings of VPID 0000H', ['proc2.ENABLE_VPID'], 'S 27.5.5', { notModelled: 'the abstraction has no TLBs or paging-structure caches' }),
  'VMEXIT.HOST.MONITOR': R('27.5.6', 'VM exits clear any address-range monitoring in effect', [], 'S 27.5.6', { notModelled: 'the abstraction has no monitoring hardware state (MONITOR/MWAIT always exit or are modelled without it)' }),
} as const satisfies Record<string, TransitionRuleSpec>;
