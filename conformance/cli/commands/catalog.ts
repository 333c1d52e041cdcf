/**
 * `vtspec catalog --arch vtx [--json]`: the VT-x specification as data — VMCS fields, controls,
 * capability MSR layouts, exit reasons, VM-instruction errors, VM-entry checks and instruction rules.
 * The JSON shape is documented in the README ("JSON shapes").
 */
import { CAPABILITY_MSR_LAYOUTS } from '../../../spec/vtx/capability-msrs.js';
import { CONTROLS, DEFAULT1_CLASS } from '../../../spec/vtx/controls.js';
import { EXIT_REASONS } from '../../../spec/vtx/exit-reasons.js';
import { INSTRUCTION_ERRORS } from '../../../spec/vtx/instruction-errors.js';
import { fieldType, fieldWidth } from '../../../spec/vtx/vmcs/encoding.js';
import { VMCS_FIELDS } from '../../../spec/vtx/vmcs/fields.js';
import { ENTRY_CHECKS, UNMODELLED_ENTRY_RULES } from '../../../spec/vtx/vm-entry/index.js';
import { INSTRUCTION_RULES } from '../../../spec/vtx/vmx-instructions/index.js';
import { NON_ROOT_RULES } from '../../../spec/vtx/non-root/index.js';
import { requireVtx } from '../inputs.js';
import { jsonReplacer } from '../json.js';
import { VTI_CATALOG } from '../../../spec/vti/index.js';
import { VTI_RULES } from '../../../spec/vti/machine/rules.js';

const hex = (n: number, digits = 4) => `0x${n.toString(16).toUpperCase().padStart(digits, '0')}`;

export const vtxCatalog = () => ({
  arch: 'vtx',
  vmcsFields: VMCS_FIELDS.map((f) => ({
    name: f.name, encoding: hex(f.encoding), title: f.title, width: fieldWidth(f.encoding), type: fieldType(f.encoding),
    existsWith: f.existsWith, since: f.since, section: 'App. B',
  })),
  controls: Object.entries(CONTROLS).map(([key, c]) => ({ key, ...c })),
  default1Classes: DEFAULT1_CLASS,
  capabilityMsrs: Object.values(CAPABILITY_MSR_LAYOUTS).map((m) => ({
    index: hex(m.index, 3), name: m.name, section: m.section, existsWhen: m.existsWhen.text,
    fields: m.fields.map((f) => ({ name: f.name, bits: `${f.bits[0]}:${f.bits[1]}`, meaning: f.meaning })),
  })),
  exitReasons: EXIT_REASONS,
  instructionErrors: INSTRUCTION_ERRORS,
  entryChecks: Object.entries(ENTRY_CHECKS).map(([id, c]) => ({ id, ...c })),
  instructionRules: Object.entries(INSTRUCTION_RULES).map(([id, r]) => ({ id, ...r })),
  unmodelledEntryRules: UNMODELLED_ENTRY_RULES,
  // §25: VM-exit conditions, priorities and changed behaviours of non-root operation (model/vtx/non-root).
  nonRootRules: Object.entries(NON_ROOT_RULES).map(([id, r]) => ({ id, ...r })),
});

/**
 * VT-i: the specification data (spec/vti) and the rules the model implements (VTI_RULES, by kind),
 * each with its section and statement; `--json` adds `rules` ({id, section, source, confidence,
 * statement, kind}) to the data rows.
 */
const vtiCatalog = (json: boolean): void => {
  const rules = Object.entries(VTI_RULES).map(([id, r]) => ({ id, ...r }));
  if (json) {
    process.stdout.write(`${JSON.stringify({ arch: 'vti', modelled: true, ...VTI_CATALOG, rules }, jsonReplacer, 2)}\n`);
    return;
  }
  const out = ['VT-i catalog (Itanium SDM rev 2.3, Vol. 2; Linux/Xen ia64 sources)', '', 'Specification data:'];
  for (const [name, rows] of Object.entries(VTI_CATALOG)) out.push(`  ${name}: ${rows.length}`);
  out.push('', `Rules of the model (${rules.length}), by kind:`);
  for (const kind of [...new Set(rules.map((r) => r.kind))]) {
    const ofKind = rules.filter((r) => r.kind === kind);
    const idWidth = Math.max(...ofKind.map((r) => r.id.length));
    const sectionWidth = Math.max(...ofKind.map((r) => r.section.length));
    out.push('', `${kind} (${ofKind.length}):`);
    for (const r of ofKind) out.push(`  ${r.id.padEnd(idWidth)}  ${r.section.padEnd(sectionWidth)}  ${r.statement}`);
  }
  out.push('', 'vtspec catalog --arch vti --json prints every row and rule with its source.');
  process.stdout.write(`${out.join('\n')}\n`);
};

export const catalogCommand = (opts: { arch?: string; json?: boolean }): void => {
  if (opts.arch === 'vti') return vtiCatalog(opts.json === true);
  requireVtx(opts.arch);
  const c = vtxCatalog();
  if (opts.json) {
    process.stdout.write(`${JSON.stringify(c, null, 2)}\n`);
    return;
  }
  const out: string[] = [];
  out.push(`VT-x catalog (SDM Vol. 3C, June 2016 numbering; post-2016 items marked *)`, '');
  out.push(`VMCS fields (${c.vmcsFields.length}):`);
  for (const f of c.vmcsFields) out.push(`  ${f.encoding}  ${String(f.width).padEnd(7)} ${f.type.padEnd(16)} ${f.name}${f.since === 'post-2016' ? ' *' : ''}`);
  out.push('', `Controls (${c.controls.length}):`);
  for (const k of c.controls) out.push(`  ${k.vector.padEnd(5)} bit ${String(k.bit).padStart(2)}  ${k.title}${k.since === 'post-2016' ? ' *' : ''}`);
  out.push('', `Exit reasons (${c.exitReasons.length}):`);
  for (const r of c.exitReasons) out.push(`  ${String(r.reason).padStart(2)}  ${r.name}${r.since === 'post-2016' ? ' *' : ''}`);
  out.push('', `VM-instruction errors (${c.instructionErrors.length}):`);
  for (const e of c.instructionErrors) out.push(`  ${String(e.number).padStart(2)}  ${e.meaning}`);
  out.push('', `VM-entry checks (${c.entryChecks.length}), in evaluation order:`);
  for (const k of c.entryChecks) out.push(`  ${k.id.padEnd(28)} §${k.section.padEnd(12)} ${k.statement}`);
  out.push('', `VMX instruction rules (${c.instructionRules.length}):`);
  for (const r of c.instructionRules) out.push(`  ${r.id.padEnd(22)} §${r.section.padEnd(22)} ${r.condition}`);
  out.push('', `Non-root operation (${c.nonRootRules.length}): VM-exit conditions, priorities and changed behaviours (§25):`);
  for (const r of c.nonRootRules) {
    const exit = r.exitReason === null ? '' : ` → exit ${r.exitReason}${r.kind === null ? '' : ` (${r.kind})`}`;
    out.push(`  ${r.id.padEnd(26)} §${r.section.padEnd(12)} ${r.statement}${exit}${r.controlledBy.length === 0 ? '' : ` [${r.controlledBy.join(', ')}]`}`);
  }
  out.push('', `Known rules not modelled (${c.unmodelledEntryRules.length}):`);
  for (const r of c.unmodelledEntryRules) out.push(`  ${r.id.padEnd(22)} §${r.section}: ${r.reason}`);
  process.stdout.write(`${out.join('\n')}\n`);
};
