/**
 * The VM-exit / VM-entry-transition catalog is complete and consistent: unique IDs in the right
 * namespace, sections of ch. 26–27 (June 2016), controls and fields that exist, and every rule the
 * model implements named in a model doc comment and witnessed by a test whose title starts with it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { CONTROLS } from '../controls.js';
import { VMCS_FIELDS } from '../vmcs/fields.js';
import { ABORT_RULES } from './abort.js';
import { ENTRY_FAILURE_RULES } from './entry-failure.js';
import { LOAD_HOST_STATE_RULES } from './load-host-state.js';
import { MSR_LOAD_RULES } from './msr-load.js';
import { MSR_STORE_RULES } from './msr-store.js';
import { RECORD_INFORMATION_RULES } from './record-information.js';
import type { TransitionRuleSpec } from './rule.js';
import { SAVE_GUEST_STATE_RULES } from './save-guest-state.js';
import { TRANSITION_RULES } from './transition.js';
import { ENTRY_LOAD_RULES, TRANSITION_RULE_CATALOG, VM_EXIT_RULES, VMX_ABORT_INDICATORS } from './index.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const rules = Object.entries(TRANSITION_RULE_CATALOG) as [string, TransitionRuleSpec][];
const read = (dir: string, pick: (f: string) => boolean): string =>
  readdirSync(join(ROOT, dir)).filter(pick).map((f) => readFileSync(join(ROOT, dir, f), 'utf8')).join('\n');

const MODEL_FILES = ['model/vtx/vm-exit', 'model/vtx/vm-entry'];
const modelSource = MODEL_FILES.map((d) => read(d, (f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))).join('\n');
const testSource = MODEL_FILES.map((d) => read(d, (f) => f.endsWith('.test.ts'))).join('\n');

describe('VM-exit catalog (SDM ch. 27, §26.7, §26.3.2/§26.6)', () => {
  test('IDs are unique across the section files', () => {
    const parts = [RECORD_INFORMATION_RULES, SAVE_GUEST_STATE_RULES, MSR_STORE_RULES, LOAD_HOST_STATE_RULES, MSR_LOAD_RULES, ABORT_RULES, TRANSITION_RULES, ENTRY_FAILURE_RULES, ENTRY_LOAD_RULES];
    const all = parts.flatMap((p) => Object.keys(p));
    expect(all.filter((id, i) => all.indexOf(id) !== i)).toEqual([]);
    expect(rules.length).toBe(all.length);
    expect(Object.keys(VM_EXIT_RULES).length + Object.keys(ENTRY_LOAD_RULES).length).toBe(all.length);
  });

  test('IDs follow their stage: VMEXIT.* for the exit, ENTRYFAIL.* for §26.7, ENTRY.LOAD.* for entry loading', () => {
    const prefix = (r: TransitionRuleSpec) => (r.stage === 'entry-failure' ? 'ENTRYFAIL.' : r.stage === 'entry-load' ? 'ENTRY.LOAD.' : 'VMEXIT.');
    expect(rules.filter(([id, r]) => !id.startsWith(prefix(r)) || !/^[A-Z0-9_.]+$/.test(id)).map(([id]) => id)).toEqual([]);
  });

  test('sections are of the June 2016 numbering: ch. 27 for exits, ch. 26 for entries', () => {
    const chapter = (r: TransitionRuleSpec) => (r.stage === 'entry-failure' || r.stage === 'entry-load' ? '26' : '27');
    expect(rules.filter(([, r]) => r.section !== chapter(r) && !r.section.startsWith(`${chapter(r)}.`)).map(([id]) => id)).toEqual([]);
  });

  test('every control and VMCS field a rule names exists', () => {
    const known = new Set<string>([...Object.keys(CONTROLS), ...VMCS_FIELDS.map((f) => f.name)]);
    expect(rules.flatMap(([id, r]) => r.controlledBy.filter((c) => !known.has(c)).map((c) => `${id}: ${c}`))).toEqual([]);
  });

  test('the six VMX-abort indicators of §27.7 are listed', () => {
    expect(Object.keys(VMX_ABORT_INDICATORS).map(Number)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  test('every rule the model implements is named in a model doc comment', () => {
    const missing = rules.filter(([id, r]) => r.notModelled === undefined && !modelSource.includes(id)).map(([id]) => id);
    expect(missing).toEqual([]);
  });

  test('every rule the model implements has a test whose title starts with its ID', () => {
    const witnessed = (id: string) => testSource.includes(`'${id}:`) || testSource.includes(`"${id}:`);
    expect(rules.filter(([id, r]) => r.notModelled === undefined && !witnessed(id)).map(([id]) => id)).toEqual([]);
  });
});
