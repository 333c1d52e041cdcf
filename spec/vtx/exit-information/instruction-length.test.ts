import { describe, expect, test } from 'vitest';
import { EXIT_REASON_BY_NUMBER } from '../exit-reasons.js';
import { INSTRUCTION_INFO_BY_REASON } from './instruction-info.js';
import { INSTRUCTION_LENGTH_BY_REASON, INSTRUCTION_LENGTH_RULES } from './instruction-length.js';

describe('VM-exit instruction length (§27.2.4)', () => {
  test('reasons are unique, exist, and every rule has a section', () => {
    expect(INSTRUCTION_LENGTH_BY_REASON.size).toBe(INSTRUCTION_LENGTH_RULES.length);
    for (const r of INSTRUCTION_LENGTH_RULES) {
      expect(EXIT_REASON_BY_NUMBER.has(r.reason), `reason ${r.reason}`).toBe(true);
      expect(r.section).toBe('27.2.4');
      // An unconditional rule names its instructions; a conditional one explains itself.
      expect(r.when === 'always' ? r.instructions.length : r.when.length, `reason ${r.reason}`).toBeGreaterThan(0);
    }
  });

  test('every exit with instruction information also records the instruction length', () => {
    for (const reason of INSTRUCTION_INFO_BY_REASON.keys()) {
      expect(INSTRUCTION_LENGTH_BY_REASON.get(reason)?.when, `reason ${reason}`).toBe('always');
    }
  });

  test('events and trap-like exits do not record it; exceptions and task switches only sometimes', () => {
    for (const reason of [1, 2, 3, 7, 8, 37, 43, 52, 56]) expect(INSTRUCTION_LENGTH_BY_REASON.has(reason), `reason ${reason}`).toBe(false);
    expect(INSTRUCTION_LENGTH_BY_REASON.get(0)?.when).not.toBe('always');
    expect(INSTRUCTION_LENGTH_BY_REASON.get(9)?.when).not.toBe('always');
    expect(INSTRUCTION_LENGTH_BY_REASON.get(12)?.when).toBe('always');
  });
});
