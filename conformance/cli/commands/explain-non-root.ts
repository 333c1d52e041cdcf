/**
 * `vtspec explain --state FILE [--step JSON]` for a state in VMX non-root operation: run one guest
 * instruction or event and print, in order, each rule the model consulted with what decided it (the
 * control, bitmap bit or mask it read), then the outcome: the VM exit with its information decoded
 * and the host state loaded, or the guest's new state (the registers, fields and memory that
 * changed). Everything else the SDM permits is listed after it.
 */
import { isLeft } from 'fp-ts/lib/Either.js';
import { NonRootInputCodec } from '../../../spec/codec/guest-input.js';
import { formatErrors } from '../../../spec/codec/report.js';
import type { StateFile } from '../../../spec/codec/state.js';
import { decodeQualification, decodeInterruptionInfo, decodeInstructionInfo, type DecodedLayout } from '../../../spec/vtx/exit-information/index.js';
import type { NonRootInput } from '../../../spec/vtx/guest/events.js';
import { describeNonRootObservation, type NonRootObservation } from '../../../spec/vtx/non-root/observation.js';
import type { VtxProfile } from '../../../spec/vtx/profile.js';
import { stateDiff } from '../../../spec/vtx/state-diff.js';
import type { VtxState } from '../../../spec/vtx/state.js';
import { decodeCapabilities } from '../../../model/vtx/capabilities.js';
import type { NonRootResult } from '../../../model/vtx/non-root/result.js';
import { nonRootStep } from '../../../model/vtx/non-root/step.js';
import { fail } from '../errors.js';
import { jsonReplacer } from '../json.js';

/** `--step` as JSON text; errors name the option and the path inside it. */
export const parseStepOption = (text: string): NonRootInput => {
  let u: unknown;
  try {
    u = JSON.parse(text);
  } catch (e) {
    return fail(`--step: not valid JSON: ${(e as Error).message}`);
  }
  const v = NonRootInputCodec.decode(u);
  return isLeft(v) ? fail(...formatErrors(v.left, '--step')) : v.right;
};

const describeInput = (i: NonRootInput): string =>
  i.kind === 'instruction'
    ? `guest instruction ${JSON.stringify(i.instruction, (_k, v) => (typeof v === 'bigint' ? `0x${v.toString(16)}` : v))}`
    : `event ${JSON.stringify(i.event)}`;

const fieldsText = (d: DecodedLayout): string =>
  Object.entries(d.fields).map(([name, f]) => `${name}=${f.label ?? `0x${f.value.toString(16)}`}`).join(', ');

const decoded = (o: NonRootObservation): string[] => {
  if (o.kind !== 'vm-exit') return [];
  const e = o.exit;
  const basic = e.reason & 0xffff;
  const lines: string[] = [];
  const vector = (e.interruptionInfo >>> 31) === 1 ? e.interruptionInfo & 0xff : undefined;
  const q = decodeQualification(basic, e.qualification, vector);
  if (q !== undefined) lines.push(`  qualification: ${fieldsText(q)}`);
  if ((e.interruptionInfo >>> 31) === 1) {
    const d = decodeInterruptionInfo('exit', e.interruptionInfo);
    lines.push(`  interruption information: ${fieldsText(d)}`);
  }
  if ((e.idtVectoringInfo >>> 31) === 1) {
    const d = decodeInterruptionInfo('idtVectoring', e.idtVectoringInfo);
    lines.push(`  IDT-vectoring information (the exit interrupted delivery of): ${fieldsText(d)}`);
  }
  if (e.instructionInfo !== null) {
    const d = decodeInstructionInfo(basic, e.instructionInfo);
    if (d !== undefined) lines.push(`  instruction information: ${fieldsText(d)}`);
  }
  return lines;
};

const changes = (before: VtxState, r: NonRootResult): string[] => {
  const diff = stateDiff(before, r.state);
  return diff.length === 0 ? ['  (no architectural state changed)'] : diff.map((d) => `  ${d.replace(' vs ', ' → ')}`);
};

export const explainNonRoot = (file: StateFile, path: string, profile: VtxProfile, stepText: string | undefined, json: boolean): void => {
  const input = stepText !== undefined ? parseStepOption(stepText) : file.step;
  if (input === undefined) {
    fail(`${path}: a state in VMX non-root operation needs the guest step to run: add "step": {"instruction": {...}} or {"event": {...}} to the file, or pass --step '{"instruction": {"op": "HLT"}}'`);
    return;
  }
  const outcome = nonRootStep(decodeCapabilities(profile), file.state, input);
  const c = outcome.canonical;
  if (json) {
    process.stdout.write(`${JSON.stringify({
      profile: profile.name, step: input, decisions: c.decisions, observation: c.observation,
      changes: stateDiff(file.state, c.state), permitted: outcome.permitted.map((p) => ({ observation: p.observation, decisions: p.decisions })),
    }, jsonReplacer, 2)}\n`);
    return;
  }
  const out = [`${describeInput(input)} in VMX non-root operation on profile ${profile.name} (${path})`, ''];
  if (c.decisions.length === 0) out.push('no rule of the non-root catalog applies: the instruction runs as it would outside VMX');
  for (const d of c.decisions) out.push(`${d.rule.padEnd(26)} §${d.section.padEnd(10)} ${d.verdict}`);
  out.push('', `outcome: ${describeNonRootObservation(c.observation)}`, ...decoded(c.observation));
  out.push(c.observation.kind === 'vm-exit' ? 'state after the exit (guest state saved, host state loaded):' : 'guest state after the step:', ...changes(file.state, c));
  if (outcome.permitted.length > 1) {
    out.push('', 'the SDM also permits:');
    for (const p of outcome.permitted.slice(1)) out.push(`  ${describeNonRootObservation(p.observation)} (${p.decisions.map((d) => d.rule).join(', ')})`);
  }
  process.stdout.write(`${out.join('\n')}\n`);
};
