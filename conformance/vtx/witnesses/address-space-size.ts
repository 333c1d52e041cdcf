/**
 * Witnesses for SDM §26.2.4 (spec/vtx/vm-entry/address-space-size.ts). Two rules cannot fail alone
 * on any processor: "IA-32e mode guest" = 1 with host address-space size 0 breaks either
 * LMA1.HOST (LMA = 1) or LMA0.GUEST (LMA = 0); and LMA0.GUEST (LMA = 0, IA-32e guest) breaks
 * LMA0.HOST or H0.GUEST whatever the host size. H0.GUEST is thus implied by the LMA rules — a
 * redundancy in the SDM's list — and the two witnesses declare their companion failure.
 * NO64 needs a profile without Intel 64: a synthetic one, derived from vtx-max.
 */
import type { ADDRESS_SPACE_SIZE_CHECKS } from '../../../spec/vtx/vm-entry/address-space-size.js';
import { clearBits, editCpu, patch, seq, setBits } from './edit.js';
import { legacyHost } from './host-state.js';
import type { EntryWitness } from './witness.js';
import { VTX_MAX } from '../../../spec/vtx/profiles/synthetic.js';

/**
 * vtx-max without Intel 64. Its capability MSRs still allow "host address-space size" and "IA-32e
 * mode guest" — inconsistent for a real part, but the only way to show HOST.ASZ.NO64 failing alone.
 */
const NO_INTEL64 = { ...VTX_MAX, name: 'vtx-max-no-intel64', intel64: false };

const EFER_LME_LMA = 0x500n;
const lmaOff = editCpu((cpu) => ({ efer: cpu.efer & ~EFER_LME_LMA }));
const hostSize0KeepLma = patch({ VM_EXIT_CONTROLS: clearBits(9), HOST_RIP: (v) => v & 0xffff_ffffn, HOST_CR4: clearBits(17, 32) });

export const ADDRESS_SPACE_SIZE_WITNESSES = {
  'HOST.ASZ.LMA0.GUEST': { baseline: 'ia32e', edit: legacyHost, alsoFails: ['HOST.ASZ.H0.GUEST'] },
  'HOST.ASZ.LMA0.HOST': { baseline: 'protected', edit: lmaOff },
  'HOST.ASZ.LMA1.HOST': { baseline: 'protected', edit: hostSize0KeepLma },
  'HOST.ASZ.H0.GUEST': { baseline: 'ia32e', edit: hostSize0KeepLma, alsoFails: ['HOST.ASZ.LMA1.HOST'] },
  'HOST.ASZ.H0.PCIDE': { baseline: 'protected', edit: seq(legacyHost, patch({ HOST_CR4: setBits(17) })) },
  'HOST.ASZ.H0.RIP': { baseline: 'protected', edit: seq(legacyHost, patch({ HOST_RIP: setBits(32) })) },
  'HOST.ASZ.H1.PAE': { edit: patch({ HOST_CR4: clearBits(5) }) },
  'HOST.ASZ.H1.RIP': { fields: { HOST_RIP: 0x0000_8000_0000_0000n } },
  // A 32-bit host (LMA = 0, 32-bit RIP) whose VMCS still sets "host address-space size".
  'HOST.ASZ.NO64': { profile: NO_INTEL64, baseline: 'protected', edit: seq(editCpu(() => ({ efer: 0n, csL: false })), patch({ HOST_RIP: (v) => v & 0xffff_ffffn })) },
} satisfies Record<keyof typeof ADDRESS_SPACE_SIZE_CHECKS, EntryWitness>;
