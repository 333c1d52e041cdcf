/** Reading a suite file (JSON Lines of format-v1 vectors) with one clear message per bad line. */
import { readFileSync } from 'node:fs';
import { isLeft } from 'fp-ts/lib/Either.js';
import { formatErrors } from '../../spec/codec/report.js';
import { decodeVector, type Vector } from '../../spec/vector/v1.js';
import { fail } from '../cli/errors.js';

export const readSuite = (path: string): Vector[] => {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    return fail(`${path}: cannot read file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  const vectors: Vector[] = [];
  const problems: string[] = [];
  const firstLine = new Map<string, number>();
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    const where = `${path}:${i + 1}`;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch (e) {
      problems.push(`${where}: not valid JSON: ${(e as Error).message}`);
      return;
    }
    const v = decodeVector(json);
    if (isLeft(v)) problems.push(...formatErrors(v.left, where));
    else if (firstLine.has(v.right.id)) problems.push(`${where}: id: vector ${v.right.id} already appears on line ${firstLine.get(v.right.id)}`);
    else {
      firstLine.set(v.right.id, i + 1);
      vectors.push(v.right);
    }
  });
  if (problems.length > 0) {
    return fail(...problems.slice(0, 8), ...(problems.length > 8 ? [`${path}: … and ${problems.length - 8} more problems`] : []));
  }
  if (vectors.length === 0) return fail(`${path}: the suite has no vectors`);
  return vectors;
};
