/**
 * The paper as data: its sections (./outline.ts) and every claim it makes, keyed by a stable ID
 * `PAPER.<part>.<name>`. One file per part of the paper under ./claims; this file only assembles
 * them. docs/paper.md is rendered from here (conformance/paper/render.ts).
 */
import type { PaperClaimSpec } from './claim.js';
import { CHALLENGE_CLAIMS } from './claims/challenges.js';
import { FRAMING_CLAIMS } from './claims/framing.js';
import { FUTURE_CLAIMS } from './claims/future.js';
import { SOLVING_CLAIMS } from './claims/solving.js';
import { USAGE_CLAIMS } from './claims/usage.js';
import { VTI_CLAIMS } from './claims/vti.js';
import { VTX_CLAIMS } from './claims/vtx.js';

export { PAPER_SECTIONS, SECTION_IDS, type PaperSectionSpec, type SectionId } from './outline.js';

export const PAPER_CLAIMS = {
  ...FRAMING_CLAIMS,
  ...CHALLENGE_CLAIMS,
  ...VTX_CLAIMS,
  ...VTI_CLAIMS,
  ...SOLVING_CLAIMS,
  ...USAGE_CLAIMS,
  ...FUTURE_CLAIMS,
} as const satisfies Record<string, PaperClaimSpec>;

export type PaperClaimId = keyof typeof PAPER_CLAIMS;
export const PAPER_CLAIM_IDS = Object.keys(PAPER_CLAIMS) as PaperClaimId[];
