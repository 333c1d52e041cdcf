/**
 * `vtspec explain --arch vti --state FILE [--step JSON] [--profile NAME] [--json]`: run one VT-i step
 * (an instruction, an event or a PAL call) from a VT-i state file (spec/codec/vti-state.ts) and
 * print, in order, each rule the model applied with what it decided — which PSR.vm rule, which vac
 * or vdc bit, which PAL check — then the outcome (whether it intercepted, and with which cause), the
 * state it changed, and every other outcome the architecture permits.
 *
 * The step is `--step JSON` (spec/codec/vti-step.ts), else the file's "step". Malformed files and
 * steps are one line per problem naming the input and the JSON path, exit status 2.
 */
import { decodeVtiStateFile, type VtiStateFile } from '../../../spec/codec/vti-state.js';
import { decodeVtiStep, encodeVtiStep } from '../../../spec/codec/vti-step.js';
import { CONTROL_REGISTERS } from '../../../spec/vti/control-registers.js';
import { INTERCEPT_CAUSES } from '../../../spec/vti/intercepts.js';
import { IVT_VECTORS } from '../../../spec/vti/ivt.js';
import { describeStateDiff } from '../../../spec/vti/machine/compare.js';
import type { VtiStepInput } from '../../../spec/vti/machine/events.js';
import { PSR } from '../../../spec/vti/machine/initial.js';
import { describeVtiInstruction, type VtiInstruction } from '../../../spec/vti/machine/instructions.js';
import { describeVtiObservation, type VtiObservation } from '../../../spec/vti/machine/observation.js';
import { DEFAULT_VTI_PROFILE, NO_VT_PROFILE, type VtiProfile } from '../../../spec/vti/machine/profile.js';
import type { VtiState } from '../../../spec/vti/machine/state.js';
import { explainVtiStep, vtiStep, type AnyValue } from '../../../model/vti/index.js';
import { fail } from '../errors.js';
import { decodeOrFail, readJson } from '../inputs.js';
import { jsonReplacer } from '../json.js';

// ---------------------------------------------------------------------------------------------
// Inputs

/**
 * The VT-i processors explain knows by name. "default" is what state files name (spec/codec/vti-state.ts
 * decodes a file on it); there are no VT-i profile files yet.
 */
export const VTI_PROFILES: Readonly<Record<string, VtiProfile>> = {
  default: DEFAULT_VTI_PROFILE,
  [DEFAULT_VTI_PROFILE.name]: DEFAULT_VTI_PROFILE,
  [NO_VT_PROFILE.name]: NO_VT_PROFILE,
};

export const loadVtiStateFile = (path: string): VtiStateFile => decodeOrFail(decodeVtiStateFile(readJson(path)), path);

/** `--step` as JSON text; errors name the option and the path inside it. */
export const parseVtiStepOption = (text: string): VtiStepInput => {
  let u: unknown;
  try {
    u = JSON.parse(text);
  } catch (e) {
    return fail(`--step: not valid JSON: ${(e as Error).message}`);
  }
  return decodeOrFail(decodeVtiStep(u), '--step');
};

/** `from`: the state file that named the profile (errors then point at its "profile" key). */
const vtiProfile = (name: string, from?: string): VtiProfile => {
  const p = VTI_PROFILES[name];
  if (p !== undefined) return p;
  const where = from === undefined ? '--profile: ' : `${from}: profile: `;
  return fail(`${where}unknown VT-i profile '${name}': use one of ${Object.keys(VTI_PROFILES).join(', ')} (VT-i profiles are built in; there are no VT-i profile files)`);
};

// ---------------------------------------------------------------------------------------------
// Text

const hex = (v: bigint | number): string => `0x${v.toString(16)}`;

const crName = (n: number): string => {
  const c = CONTROL_REGISTERS.find((x) => x.number === n);
  return c === undefined ? '' : ` (cr.${c.name})`;
};

const describeInstruction = (i: VtiInstruction): string =>
  `${describeVtiInstruction(i)}${i.op === 'mov-to-cr' || i.op === 'mov-from-cr' ? crName(i.cr) : ''}`;

export const describeVtiInput = (s: VtiStepInput): string => {
  switch (s.kind) {
    case 'instruction': return `instruction ${describeInstruction(s.instruction)}`;
    case 'event':
      return s.event.kind === 'external-interrupt' ? `event: external interrupt, vector ${s.event.vector}`
        : s.event.kind === 'timer' ? 'event: interval timer match' : `event: clock advances ${s.event.cycles} cycles`;
    case 'pal': {
      const { name, ...args } = s.call;
      const list = Object.entries(args).map(([k, v]) => `${k}=${hex(v as bigint)}`).join(', ');
      return `PAL call ${name}(${list})`;
    }
  }
};

/** Who runs: the guest (PSR.vm = 1) or the VMM / native code, and at which privilege level. */
const context = (s: VtiState): string => {
  const vm = (s.psr & PSR.vm) !== 0n;
  const cpl = Number((s.psr & PSR.cpl) >> 32n);
  return `${vm ? 'guest' : 'VMM or native code'}: PSR.vm = ${vm ? 1 : 0}, cpl ${cpl}, ip ${hex(s.ip)}`;
};

/** The observation, with the cause's and the vector's names. */
export const describeOutcome = (o: VtiObservation): string => {
  const base = describeVtiObservation(o);
  if (o.kind === 'intercept' && o.cause !== null) {
    const c = INTERCEPT_CAUSES.find((x) => x.code === o.cause);
    return c === undefined ? base : `${base} (${c.name}: ${c.instruction})`;
  }
  if (o.kind === 'interruption') {
    const v = IVT_VECTORS.find((x) => x.offset === o.vector);
    return v === undefined ? base : `${base} (${v.name} vector)`;
  }
  return base;
};

const changes = (before: VtiState, after: VtiState): string[] => {
  const diff = describeStateDiff(before, after);
  return diff.length === 0 ? ['  (no architectural state changed)'] : diff.map((d) => `  ${d.replace(' vs ', ' → ')}`);
};

const describeAnyValue = (a: AnyValue): string =>
  a.where === 'executed-value' ? 'the value written to r1' : a.where === 'gr' ? `the value of r${a.index}` : `PAL return value ${a.index}`;

// ---------------------------------------------------------------------------------------------
// The command

export const explainVtiCommand = (opts: { state: string; step?: string; profile?: string; json?: boolean }): void => {
  const file = loadVtiStateFile(opts.state);
  const profile = opts.profile !== undefined ? vtiProfile(opts.profile)
    : file.profile !== undefined ? vtiProfile(file.profile, opts.state) : DEFAULT_VTI_PROFILE;
  const input = opts.step !== undefined ? parseVtiStepOption(opts.step) : file.step;
  if (input === undefined) {
    fail(`${opts.state}: no step to run: add "step": {"instruction": {"op": ...}}, {"event": {...}} or {"pal": {"name": ...}} to the file, or pass --step '{"instruction": {"op": "mov-from-cr", "r1": 35, "cr": "pta"}}'`);
    return;
  }
  const explanation = explainVtiStep(profile, file.state, input);
  const outcome = vtiStep(profile, file.state, input);
  const c = outcome.canonical;
  const intercepts = c.observation.kind === 'intercept';

  if (opts.json === true) {
    process.stdout.write(`${JSON.stringify({
      arch: 'vti',
      profile: profile.name,
      step: encodeVtiStep(input),
      explanation,
      rules: outcome.rules,
      intercepts,
      outcome: { observation: c.observation, description: describeOutcome(c.observation), changes: describeStateDiff(file.state, c.state) },
      permitted: outcome.permitted.slice(1).map((p) => ({
        observation: p.observation, description: describeOutcome(p.observation), changes: describeStateDiff(file.state, p.state),
      })),
      anyValue: outcome.anyValue,
      undefinedBehaviour: outcome.undefinedBehaviour,
    }, jsonReplacer, 2)}\n`);
    return;
  }

  const out = [`${describeVtiInput(input)} — ${context(file.state)} — on profile ${profile.name} (${opts.state})`, ''];
  const ruleWidth = Math.max(0, ...explanation.map((l) => l.rule.length));
  const sectionWidth = Math.max(0, ...explanation.map((l) => l.section.length));
  if (explanation.length === 0) out.push('no VT-i rule applies');
  for (const l of explanation) out.push(`${l.rule.padEnd(ruleWidth)}  ${l.section.padEnd(sectionWidth)}  ${l.verdict}`);
  out.push('', `outcome: ${describeOutcome(c.observation)}`);
  if (input.kind === 'instruction') out.push(intercepts ? 'intercepts: yes (the VMM runs next)' : 'intercepts: no');
  out.push(intercepts ? 'state after the intercept:' : 'state after the step:', ...changes(file.state, c.state));
  if (outcome.undefinedBehaviour) out.push('', 'permitted: anything (the architecture leaves this step undefined)');
  else if (outcome.permitted.length > 1) {
    out.push('', 'the architecture also permits:');
    for (const p of outcome.permitted.slice(1)) {
      out.push(`  ${describeOutcome(p.observation)}, with the state:`, ...changes(file.state, p.state).map((d) => `  ${d}`));
    }
  } else out.push('', 'permitted: only this outcome');
  if (outcome.anyValue.length > 0) out.push(`left open (any value conforms): ${outcome.anyValue.map(describeAnyValue).join(', ')}`);
  process.stdout.write(`${out.join('\n')}\n`);
};
