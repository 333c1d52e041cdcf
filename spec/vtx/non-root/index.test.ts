import { describe, expect, test } from 'vitest';
import { CONTROLS } from '../controls.js';
import { EXIT_REASONS, EXIT_REASON_BY_NUMBER } from '../exit-reasons.js';
import { INSTRUCTION_RULES } from '../vmx-instructions/index.js';
import { VMCS_FIELDS } from '../vmcs/fields.js';
import { CHANGED_BEHAVIOUR_RULES } from './changed-behaviour.js';
import { CONTROL_REGISTERS_RULES } from './control-registers.js';
import { EPT_RULES } from './ept.js';
import { EVENTS_RULES } from './events.js';
import { INSTRUCTION_CONTROLS_RULES } from './instruction-controls.js';
import { IO_RULES } from './io.js';
import { MSR_RULES } from './msr.js';
import { NON_ROOT_RULES, NON_ROOT_RULE_IDS, OUT_OF_SCOPE_EXIT_REASONS } from './index.js';
import { PRIORITY_RULES } from './priority.js';
import type { NonRootRuleSpec } from './rule.js';
import { UNCONDITIONAL_RULES } from './unconditional.js';

const rules = Object.entries(NON_ROOT_RULES) as [string, NonRootRuleSpec][];
const outOfScope = new Set(Object.keys(OUT_OF_SCOPE_EXIT_REASONS).map(Number));
const controlKeys = new Set<string>(Object.keys(CONTROLS));
const fieldNames = new Set<string>(VMCS_FIELDS.map((f) => f.name));

describe('non-root catalog (SDM §25.1–25.3)', () => {
  test('IDs are unique: no file overwrites another file\'s rule when the index spreads them', () => {
    const parts = [PRIORITY_RULES, UNCONDITIONAL_RULES, INSTRUCTION_CONTROLS_RULES, CONTROL_REGISTERS_RULES, IO_RULES, MSR_RULES, EVENTS_RULES, EPT_RULES, CHANGED_BEHAVIOUR_RULES];
    const all = parts.flatMap((p) => Object.keys(p));
    expect(all.filter((id, i) => all.indexOf(id) !== i)).toEqual([]);
    expect(NON_ROOT_RULE_IDS.length).toBe(all.length);
  });

  test('IDs follow the naming scheme of their category', () => {
    const prefix = { exit: 'EXIT.', priority: 'PRIORITY.', 'changed-behaviour': 'CHANGED.' } as const;
    const bad = rules.filter(([id, r]) => !id.startsWith(prefix[r.category]) || !/^[A-Z0-9_.]+$/.test(id)).map(([id]) => id);
    expect(bad).toEqual([]);
  });

  test('every in-scope exit reason of exit-reasons.ts is produced by at least one exit rule', () => {
    const produced = new Set(rules.filter(([, r]) => r.category === 'exit').map(([, r]) => r.exitReason));
    const missing = EXIT_REASONS.map((e) => e.reason).filter((n) => !outOfScope.has(n) && !produced.has(n));
    expect(missing).toEqual([]);
  });

  test('the out-of-scope list names real exit reasons, each with a reason, and no rule produces one', () => {
    for (const [n, why] of Object.entries(OUT_OF_SCOPE_EXIT_REASONS)) {
      expect(EXIT_REASON_BY_NUMBER.has(Number(n)), `reason ${n}`).toBe(true);
      expect(why.length, `reason ${n}`).toBeGreaterThan(10);
    }
    expect(rules.filter(([, r]) => r.exitReason !== null && outOfScope.has(r.exitReason)).map(([id]) => id)).toEqual([]);
  });

  test('every exit reason a rule names exists, and some rule of it cites the section exit-reasons.ts gives', () => {
    for (const [id, r] of rules) if (r.exitReason !== null) expect(EXIT_REASON_BY_NUMBER.has(r.exitReason), id).toBe(true);
    const sectionless = [...new Set(rules.map(([, r]) => r.exitReason))].filter((n): n is number => n !== null).filter((n) => {
      const want = EXIT_REASON_BY_NUMBER.get(n)?.section ?? '?';
      return !rules.some(([, r]) => r.exitReason === n && r.section.split('; ').some((s) => s.startsWith(want)));
    });
    expect(sectionless).toEqual([]);
  });

  test('every controlledBy key is a control of CONTROLS (vector.NAME) or a field of VMCS_FIELDS', () => {
    const unknown = rules.flatMap(([id, r]) => r.controlledBy
      .filter((k) => (k.includes('.') ? !controlKeys.has(k) : !fieldNames.has(k)))
      .map((k) => `${id}: ${k}`));
    expect(unknown).toEqual([]);
  });

  test('a rule on a secondary control also names "activate secondary controls"', () => {
    const bad = rules.filter(([, r]) => r.controlledBy.some((k) => k.startsWith('proc2.')) && !r.controlledBy.includes('proc.ACTIVATE_SECONDARY_CONTROLS'));
    expect(bad.map(([id]) => id)).toEqual([]);
  });

  test('exit rules have a reason and a kind; changed-behaviour rules have neither', () => {
    for (const [id, r] of rules) {
      if (r.category === 'exit') {
        expect(r.exitReason, id).not.toBeNull();
        expect(r.kind, id).not.toBeNull();
        expect(r.outcome, id).toContain(`basic reason ${r.exitReason}`);
      }
      if (r.category === 'changed-behaviour') {
        expect(r.exitReason, id).toBeNull();
        expect(r.kind, id).toBeNull();
      }
      expect((r.exitReason === null) === (r.kind === null), id).toBe(true);
    }
  });

  test('trap-like exits are exactly MTF and TPR below threshold (§27.3.3)', () => {
    const trap = [...new Set(rules.filter(([, r]) => r.kind === 'trap-like').map(([, r]) => r.exitReason))].sort((a, b) => (a ?? 0) - (b ?? 0));
    expect(trap).toEqual([37, 43]);
  });

  test('every rule is filled in: section, statement, trigger, precondition, outcome, confidence', () => {
    for (const [id, r] of rules) {
      expect(r.section, id).toMatch(/^\d+(\.\d+)+(; \d+(\.\d+)+)*$/);
      expect(r.statement.length, id).toBeGreaterThan(15);
      expect(r.precondition.length, id).toBeGreaterThan(3);
      expect(r.outcome.length, id).toBeGreaterThan(2);
      const t = 'instruction' in r.trigger ? r.trigger.instruction : [r.trigger.event];
      expect(t.length, id).toBeGreaterThan(0);
      expect(t.every((s) => s.length > 0), id).toBe(true);
      expect(['2+', 'S', '1', '!'], id).toContain(r.confidence);
      expect(['2016', 'post-2016'], id).toContain(r.since);
    }
  });

  test('unconditional exits are governed by no control', () => {
    for (const [id, r] of Object.entries(UNCONDITIONAL_RULES) as [string, NonRootRuleSpec][]) expect(r.controlledBy, id).toEqual([]);
  });

  test('the VMX-instruction catalog and this one agree on the exit reason of every VMX instruction in non-root operation', () => {
    const mismatches: string[] = [];
    for (const [id, r] of Object.entries(INSTRUCTION_RULES)) {
      if (!id.endsWith('.NONROOT') || r.outcome.kind !== 'vm-exit') continue;
      const mine = (NON_ROOT_RULES as Record<string, NonRootRuleSpec>)[`EXIT.${id.slice(0, -'.NONROOT'.length)}`];
      if (mine?.exitReason !== r.outcome.reason) mismatches.push(id);
    }
    expect(mismatches).toEqual([]);
  });

  test('the conditions the brief names are all catalogued', () => {
    const required = [
      'EXIT.CPUID', 'EXIT.GETSEC', 'EXIT.INVD', 'EXIT.XSETBV', 'EXIT.HLT', 'EXIT.CR0.WRITE.MASK', 'EXIT.CR4.WRITE.MASK', 'EXIT.CLTS', 'EXIT.LMSW',
      'EXIT.CR3.LOAD.TARGET', 'EXIT.CR3.STORE', 'EXIT.CR8.LOAD', 'EXIT.CR8.STORE', 'EXIT.TPR.BELOW.THRESHOLD',
      'EXIT.IO.UNCONDITIONAL', 'EXIT.IO.BITMAP', 'EXIT.IO.BITMAP.WRAP', 'EXIT.EXCEPTION.BITMAP', 'EXIT.EXCEPTION.PF',
      'EXIT.EXTINT', 'EXIT.NMI', 'EXIT.INTWINDOW', 'EXIT.NMIWINDOW', 'EXIT.MTF', 'EXIT.PREEMPTION', 'EXIT.TRIPLEFAULT',
      'EXIT.TASKSWITCH', 'EXIT.INIT', 'EXIT.SIPI', 'EXIT.VMREAD', 'EXIT.VMWRITE', 'EXIT.RDTSC', 'EXIT.RDTSCP', 'EXIT.RDPMC',
      'EXIT.MWAIT', 'EXIT.MONITOR', 'EXIT.PAUSE', 'EXIT.PAUSE.LOOP', 'EXIT.WBINVD', 'EXIT.RDRAND', 'EXIT.RDSEED', 'EXIT.INVLPG',
      'EXIT.INVPCID', 'EXIT.MOVDR', 'EXIT.EPT.VIOLATION', 'EXIT.EPT.MISCONFIG', 'EXIT.DTABLE.GDTR_IDTR', 'EXIT.DTABLE.LDTR_TR',
      'PRIORITY.UD', 'PRIORITY.CPL', 'PRIORITY.IO.TSS', 'PRIORITY.MOVDR', 'PRIORITY.OPERAND', 'PRIORITY.INSOUTS', 'PRIORITY.FAULTLIKE',
      'CHANGED.CR0.READ', 'CHANGED.CR4.READ', 'CHANGED.SMSW', 'CHANGED.CLTS', 'CHANGED.LMSW', 'CHANGED.RDTSC.OFFSET', 'CHANGED.CR8.READ', 'CHANGED.CR8.WRITE',
    ];
    expect(required.filter((id) => !(id in NON_ROOT_RULES))).toEqual([]);
  });

  test('a few rules say what the facts say', () => {
    expect(NON_ROOT_RULES['EXIT.CPUID'].exitReason).toBe(10);
    expect(NON_ROOT_RULES['EXIT.HLT'].controlledBy).toEqual(['proc.HLT_EXITING']);
    expect(NON_ROOT_RULES['EXIT.INVPCID'].controlledBy).toContain('proc.INVLPG_EXITING');
    expect(NON_ROOT_RULES['EXIT.RDTSCP'].controlledBy).toContain('proc.RDTSC_EXITING');
    expect(NON_ROOT_RULES['EXIT.EXCEPTION.PF'].controlledBy).toEqual(['EXCEPTION_BITMAP', 'PAGE_FAULT_ERROR_CODE_MASK', 'PAGE_FAULT_ERROR_CODE_MATCH']);
    expect(NON_ROOT_RULES['EXIT.DTABLE.GDTR_IDTR'].exitReason).toBe(46);
    expect(NON_ROOT_RULES['EXIT.DTABLE.LDTR_TR'].exitReason).toBe(47);
    expect(NON_ROOT_RULES['PRIORITY.MOVDR'].exitReason).toBe(29);
  });
});
