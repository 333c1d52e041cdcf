/**
 * Every rule catalog of the project a paper claim can point at, by name, so that a claim's
 * `checkedBy` can be checked for existence (spec/paper/sections.test.ts) and each ID can be traced to
 * the tests that check it (conformance/paper/rule-tests.ts).
 */
import { CONTROLS } from '../vtx/controls.js';
import { EPT_TRANSLATION_RULES } from '../vtx/ept/index.js';
import { INJECTION_RULES } from '../vtx/vm-entry-injection/index.js';
import { ENTRY_CHECKS } from '../vtx/vm-entry/index.js';
import { TRANSITION_RULE_CATALOG } from '../vtx/vm-exit/index.js';
import { NON_ROOT_RULES } from '../vtx/non-root/index.js';
import { INSTRUCTION_RULES } from '../vtx/vmx-instructions/index.js';
import { EVENT_DELIVERY_RULES } from '../x86/event-delivery.js';
import { PAGING_RULES } from '../x86/paging.js';
import { VTI_RULES } from '../vti/machine/rules.js';

export type InjectionRuleId = keyof typeof INJECTION_RULES;
export type EventDeliveryRuleId = keyof typeof EVENT_DELIVERY_RULES;
export type PagingRuleId = keyof typeof PAGING_RULES;
export type EptTranslationRuleId = keyof typeof EPT_TRANSLATION_RULES;

export type CatalogName =
  | 'vm-entry' | 'vmx-instructions' | 'non-root' | 'vm-exit' | 'injection' | 'event-delivery' | 'paging' | 'ept'
  | 'controls' | 'vti';

export interface CatalogSpec {
  /** Where the catalog lives (for messages and docs/paper.md). */
  readonly source: string;
  readonly ids: ReadonlySet<string>;
}

const fromRecord = (source: string, rec: Readonly<Record<string, unknown>>): CatalogSpec => ({ source, ids: new Set(Object.keys(rec)) });

/** In the order docs/paper.md lists them. VT-i rules are one catalog: VTI_RULES. */
export const RULE_CATALOGS = {
  'vm-entry': fromRecord('spec/vtx/vm-entry (ENTRY_CHECKS)', ENTRY_CHECKS),
  'vmx-instructions': fromRecord('spec/vtx/vmx-instructions (INSTRUCTION_RULES)', INSTRUCTION_RULES),
  'non-root': fromRecord('spec/vtx/non-root (NON_ROOT_RULES)', NON_ROOT_RULES),
  'vm-exit': fromRecord('spec/vtx/vm-exit (VM_EXIT_RULES, ENTRY_LOAD_RULES)', TRANSITION_RULE_CATALOG),
  injection: fromRecord('spec/vtx/vm-entry-injection (INJECTION_RULES)', INJECTION_RULES),
  'event-delivery': fromRecord('spec/x86/event-delivery (EVENT_DELIVERY_RULES)', EVENT_DELIVERY_RULES),
  paging: fromRecord('spec/x86/paging (PAGING_RULES)', PAGING_RULES),
  ept: fromRecord('spec/vtx/ept (EPT_TRANSLATION_RULES)', EPT_TRANSLATION_RULES),
  controls: fromRecord('spec/vtx/controls (CONTROLS)', CONTROLS),
  vti: fromRecord('spec/vti/machine/rules (VTI_RULES)', VTI_RULES),
} as const satisfies Record<CatalogName, CatalogSpec>;

export const CATALOG_NAMES = Object.keys(RULE_CATALOGS) as CatalogName[];

/** The catalog a rule ID or control name belongs to; null when none has it (a renamed or mistyped ID). */
export const catalogOf = (id: string): CatalogName | null => CATALOG_NAMES.find((c) => RULE_CATALOGS[c].ids.has(id)) ?? null;

/** Controls are what rules depend on, not rules: a claim needs at least one real rule besides them. */
export const isRule = (id: string): boolean => {
  const c = catalogOf(id);
  return c !== null && c !== 'controls';
};
