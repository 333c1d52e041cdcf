/**
 * The paper ("Intel Virtualization Technology: Hardware Support for Efficient Processor
 * Virtualization", ITJ 10(3), 2006) as data: its sections and claims with the rules that check them,
 * and its eight challenges with the expected minimal counterexamples. docs/paper.md is rendered from
 * this (conformance/paper/render.ts).
 */
export { background, claim, type ClaimKind, type PaperArchitecture, type PaperClaimSpec, type RuleRef, type VtiRuleRef } from './claim.js';
export { CATALOG_NAMES, RULE_CATALOGS, catalogOf, isRule, type CatalogName, type CatalogSpec } from './catalogs.js';
export { PAPER_CLAIMS, PAPER_CLAIM_IDS, PAPER_SECTIONS, SECTION_IDS, type PaperClaimId, type PaperSectionSpec, type SectionId } from './sections.js';
export {
  CHALLENGES, CHALLENGE_IDS, statedFor,
  type ChallengeId, type ChallengeSpec, type DeprivilegingModel, type FailureCriterion, type Solution, type VtiCounterexample, type VtxCounterexample,
} from './challenges.js';
export { describeGuestInstruction, describeProgram, describeVtiStep, describeVtxStep } from './asm.js';
export { VTI_GUEST, VTI_VMM_IVT, VTX_BASELINE_VMM_AREA, VTX_GUEST, VTX_GUEST_DS_DESCRIPTOR_HIGH } from './layout.js';
