/**
 * PAGING.PAE.LOAD (Vol. 3A §4.4.1): how MOV to CR fills the four PDPTE registers PAE paging translates
 * through. The 32-byte table is at CR3[31:5]; with EPT that is a guest-physical address, read through
 * EPT as a read with no guest-linear address (§27.2.1: qualification bits 7 and 8 are 0; §28.2.3.2: a
 * read even with EPT accessed/dirty flags), so the load may end in an EPT violation or misconfiguration.
 * A present entry with a reserved bit set (2:1, 8:5, 63:MAXPHYADDR) makes the instruction #GP(0), with
 * nothing loaded (the EPT accessed flags the reads set stay set).
 */
import type { Decision } from '../../../../spec/vtx/non-root/observation.js';
import type { VtxState } from '../../../../spec/vtx/state.js';
import type { Capabilities } from '../../capabilities.js';
import { hiOf, loOf } from '../../u64.js';
import { pdpteValid } from '../../vm-entry/guest-pdptes.js';
import { eptTranslate } from '../ept/walk.js';
import { failedAccess } from '../memory.js';
import type { NonRootResult } from '../result.js';
import { overlayUpdates } from '../memory-overlay.js';
import { readPhysical } from './physical.js';

export type PdpteLoad =
  /** `state` carries the EPT accessed flags the reads set. */
  | { readonly kind: 'loaded'; readonly pdpte: readonly bigint[]; readonly state: VtxState }
  | { readonly kind: 'invalid'; readonly index: number; readonly entry: bigint; readonly state: VtxState }
  | { readonly kind: 'exit'; readonly result: NonRootResult };

const CR0_CD = 1n << 30n, CR0_NW = 1n << 29n, CR0_PG = 1n << 31n;
const CR4_PSE = 1n << 4n, CR4_PAE = 1n << 5n, CR4_PGE = 1n << 7n, CR4_SMEP = 1n << 20n;
const EFER_LMA = 1n << 10n;

/** PAE paging is in use with these register values (Vol. 3A §4.1.1). */
export const paePaging = (cr0: bigint, cr4: bigint, efer: bigint): boolean =>
  (cr0 & CR0_PG) !== 0n && (cr4 & CR4_PAE) !== 0n && (efer & EFER_LMA) === 0n;

/**
 * Whether MOV to CR0 or CR4 taking the registers from `before` to `after` loads the PDPTEs: PAE paging
 * is in use afterwards and one of CR0.CD, NW, PG, CR4.PAE, PGE, PSE, SMEP changes (Vol. 3A §4.4.1).
 */
export const movCrLoadsPdptes = (
  before: { readonly cr0: bigint; readonly cr4: bigint }, after: { readonly cr0: bigint; readonly cr4: bigint; readonly efer: bigint },
): boolean =>
  paePaging(after.cr0, after.cr4, after.efer)
  && (((before.cr0 ^ after.cr0) & (CR0_CD | CR0_NW | CR0_PG)) !== 0n || ((before.cr4 ^ after.cr4) & (CR4_PAE | CR4_PGE | CR4_PSE | CR4_SMEP)) !== 0n);

/** Reads and checks the four PDPTEs of the table `cr3` points to. */
export const loadPdptes = (caps: Capabilities, s: VtxState, cr3: bigint, decisions: readonly Decision[]): PdpteLoad => {
  let state = s;
  const pdpte: bigint[] = [];
  for (let i = 0; i < 4; i++) {
    const gpa = (cr3 & 0xffff_ffe0n) + BigInt(8 * i);
    const t = eptTranslate(caps, state, { gpa, kind: 'read', linear: null, final: true, nmiUnblocking: false }, decisions);
    if (!t.ok) return { kind: 'exit', result: failedAccess(caps, { ...state, memory: overlayUpdates(state.memory, t.updates ?? []) }, t.failure) };
    const memory = overlayUpdates(state.memory, t.updates);
    if (memory !== state.memory) state = { ...state, memory };
    pdpte.push(readPhysical(state.memory, t.pa, 8));
  }
  const bad = pdpte.findIndex((e) => !pdpteValid(loOf(e), hiOf(e), caps.maxPhysAddr));
  return bad >= 0 ? { kind: 'invalid', index: bad, entry: pdpte[bad]!, state } : { kind: 'loaded', pdpte, state };
};
