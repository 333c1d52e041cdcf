/**
 * `vtspec explain --arch vtx --state FILE [--profile NAME|FILE] [--json]`: run the VMLAUNCH/VMRESUME
 * of a state file and print every rule of the VM-entry catalog in evaluation order with its result,
 * the values of the fields a failing rule reads, then the outcome and everything the SDM permits.
 */
import { describeObservation, type LoadedGuestState, type Observation } from '../../../spec/vtx/observation.js';
import { DEFAULT_PROFILE } from '../../../spec/vtx/profiles/index.js';
import { readField } from '../../../spec/vtx/state.js';
import { ENTRY_CHECKS, type EntryCheckId } from '../../../spec/vtx/vm-entry/index.js';
import { decodeCapabilities } from '../../../model/vtx/capabilities.js';
import { explainEntry, type CheckResult } from '../../../model/vtx/vm-entry/index.js';
import { loadProfile, loadStateFile, requireVtx } from '../inputs.js';
import { jsonReplacer } from '../json.js';
import { fail } from '../errors.js';
import { explainNonRoot } from './explain-non-root.js';
import { explainVtiCommand } from './explain-vti.js';

const MARK: Record<CheckResult, string> = { pass: 'pass', fail: 'FAIL', 'not-applicable': 'n/a ', 'not-reached': ' -  ' };

const h = (v: bigint | number | undefined) => (v === undefined ? '-' : `0x${v.toString(16)}`);

/** The loaded guest registers (§26.3.2), as a VMM author checks them against their own emulator. */
const guestSummary = (g: LoadedGuestState): string[] => [
  `  CR0 ${h(g.cr0)}  CR3 ${h(g.cr3)}  CR4 ${h(g.cr4)}  EFER ${h(g.efer)}  DR7 ${h(g.dr7)}`,
  `  RIP ${h(g.rip)}  RSP ${h(g.rsp)}  RFLAGS ${h(g.rflags)}`,
  ...(['cs', 'ss', 'ds', 'es', 'fs', 'gs', 'ldtr', 'tr'] as const).map((s) => {
    const r = g[s];
    return r.unusable
      ? `  ${s.toUpperCase().padEnd(4)} selector ${h(r.selector)} (unusable)`
      : `  ${s.toUpperCase().padEnd(4)} selector ${h(r.selector)} base ${h(r.base)} limit ${h(r.limit)} access rights ${h(r.accessRights)}`;
  }),
  `  GDTR ${h(g.gdtrBase)}/${h(g.gdtrLimit)}  IDTR ${h(g.idtrBase)}/${h(g.idtrLimit)}`,
  `  MSRs ${Object.entries(g.msrs).map(([k, v]) => `${k}=${h(v)}`).join(' ')}`,
];

export const explainCommand = (opts: { arch?: string; state: string; profile?: string; json?: boolean; all?: boolean; step?: string }): void => {
  if (opts.arch === 'vti') return explainVtiCommand({ ...opts });
  requireVtx(opts.arch);
  const file = loadStateFile(opts.state);
  const profile = opts.profile !== undefined ? loadProfile(opts.profile)
    : file.profile !== undefined ? loadProfile(file.profile, opts.state) : loadProfile(DEFAULT_PROFILE);
  if (file.state.vmx === 'non-root') {
    explainNonRoot(file, opts.state, profile, opts.step, opts.json === true);
    return;
  }
  if (opts.step !== undefined) fail(`--step: ${opts.state} is in VMX ${file.state.vmx === 'root' ? 'root operation' : 'operation off'}; a guest step needs "vmx": "non-root"`);
  const instruction = file.instruction ?? 'VMLAUNCH';
  const { outcome, trace } = explainEntry(decodeCapabilities(profile), file.state, instruction);
  const vmcs = file.state.currentVmcs === null ? undefined : file.state.vmcs.get(file.state.currentVmcs)?.fields;

  if (opts.json) {
    process.stdout.write(`${JSON.stringify({
      profile: profile.name, instruction, checks: trace,
      outcome: { canonical: outcome.canonical, permitted: outcome.permitted, undefinedBehaviour: outcome.undefinedBehaviour, failedRules: outcome.failedRules },
    }, jsonReplacer, 2)}\n`);
    return;
  }
  const out: string[] = [`${instruction} on profile ${profile.name} (${opts.state})`, ''];
  for (const t of trace) {
    const spec = ENTRY_CHECKS[t.id as EntryCheckId];
    if (!opts.all && t.result === 'not-reached') continue;
    out.push(`${MARK[t.result]}  ${t.id.padEnd(28)} §${t.section.padEnd(12)} ${spec.statement}`);
    if (t.result === 'fail' && vmcs !== undefined) {
      for (const f of spec.reads) out.push(`        ${f} = 0x${readField(vmcs, f).toString(16)}`);
    }
  }
  const reached = trace.filter((t) => t.result !== 'not-reached').length;
  if (!opts.all && reached < trace.length) out.push(`(${trace.length - reached} later rules not reached; --all lists them)`);
  const show = (o: Observation) => describeObservation(o);
  out.push('', `outcome: ${show(outcome.canonical)}`);
  if (outcome.canonical.kind === 'vm-entry') out.push(...guestSummary(outcome.canonical.guest));
  if (outcome.failedRules.length > 0) {
    out.push(`failing rules: ${outcome.failedRules.map((id) => `${id} (§${ENTRY_CHECKS[id as EntryCheckId]?.section ?? '?'})`).join(', ')}`);
  }
  if (outcome.undefinedBehaviour) out.push('permitted: anything (the SDM leaves this behaviour undefined)');
  else if (outcome.permitted.length > 1) out.push(`permitted (any of): ${outcome.permitted.map(show).join(' | ')}`);
  else out.push('permitted: only this outcome');
  process.stdout.write(`${out.join('\n')}\n`);
};
