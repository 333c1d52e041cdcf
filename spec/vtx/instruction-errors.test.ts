import { describe, expect, test } from 'vitest';
import { INSTRUCTION_ERRORS, INSTRUCTION_ERROR_BY_NUMBER } from './instruction-errors.js';

describe('VM-instruction error numbers (§30.4)', () => {
  test('numbers 1-28, in order, each once', () => {
    expect(INSTRUCTION_ERRORS.map((e) => e.number)).toEqual(Array.from({ length: 28 }, (_, i) => i + 1));
  });

  test('exactly 14, 21 and 27 are unused, and only they have no instruction', () => {
    expect(INSTRUCTION_ERRORS.filter((e) => e.unused).map((e) => e.number)).toEqual([14, 21, 27]);
    for (const e of INSTRUCTION_ERRORS) {
      expect(e.raisedBy.length === 0, `error ${e.number}`).toBe(e.unused);
      expect(e.section).toBe('30.4');
      expect(e.meaning.length).toBeGreaterThan(0);
    }
  });

  test('who raises what (facts file, Table 30-1)', () => {
    expect(INSTRUCTION_ERROR_BY_NUMBER.get(7)?.raisedBy).toEqual(['VMLAUNCH', 'VMRESUME']);
    expect(INSTRUCTION_ERROR_BY_NUMBER.get(12)?.raisedBy).toEqual(['VMREAD', 'VMWRITE']);
    expect(INSTRUCTION_ERROR_BY_NUMBER.get(15)?.raisedBy).toEqual(['VMXON']);
    expect(INSTRUCTION_ERROR_BY_NUMBER.get(23)?.raisedBy).toEqual(['VMXOFF']);
    expect(INSTRUCTION_ERROR_BY_NUMBER.get(28)?.raisedBy).toEqual(['INVEPT', 'INVVPID']);
  });
});
