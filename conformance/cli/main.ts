/**
 * The `vtspec` command line. Commands are thin: each parses its options and calls one module.
 * User errors print one line each and exit 2; see errors.ts.
 */
import { Command, CommanderError } from 'commander';
import { benchCommand } from './commands/bench.js';
import { catalogCommand } from './commands/catalog.js';
import { checkCommand } from './commands/check.js';
import { conformCommand } from './commands/conform.js';
import { coverageCommand } from './commands/coverage.js';
import { explainCommand } from './commands/explain.js';
import { vmmCompareCommand, vmmRunCommand } from './commands/vmm.js';
import { genCommand } from './commands/gen.js';
import { profileListCommand, profileShowCommand } from './commands/profile.js';
import { profileCaptureCommand } from './commands/profile-capture.js';
import { reportAndExit } from './errors.js';

// `vtspec … | head` closes the pipe early: that is the reader's choice, not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
}

const program = new Command()
  .name('vtspec')
  .description('An executable, specification-first model of Intel VT-x and VT-i')
  .exitOverride()
  .configureOutput({ writeErr: (s) => process.stderr.write(s.startsWith('error:') ? `vtspec: ${s}` : s) });

program
  .command('conform')
  .description('generate the default VT-x suite and check the reference CPU, and Bochs when it is installed')
  .option('--profile <name>', 'built-in profile of the suite (default bochs-skylake-x)')
  .option('--seed <n>', 'seed of the suite', '1')
  .option('--count <n>', 'vectors in the suite', '2000')
  .option('--no-bochs', 'do not run Bochs even if it is installed')
  .option('--jobs <n>', 'Bochs processes in parallel', '2')
  .action(conformCommand);

program
  .command('gen')
  .description('generate a coverage-directed conformance suite (JSON lines, format vtspec-vector/1)')
  .option('--arch <arch>', 'vtx', 'vtx')
  .option('--profile <name>', 'built-in profile the suite is for (default bochs-skylake-x)')
  .option('--seed <n>', 'seed (same seed and version, same bytes)', '1')
  .option('--count <n>', 'total vectors wanted (the coverage-directed part is always kept)', '2000')
  .option('--shard <K/N>', 'write only the K-th of N deterministic parts')
  .option('--out <file>', 'output file (default: standard output; the report then goes to standard error)')
  .option('--json', 'coverage report as JSON')
  .action(genCommand);

program
  .command('check')
  .description('run a suite on an implementation and judge every vector against what the SDM permits')
  .argument('<suite>', 'suite file (JSON lines, from vtspec gen)')
  .option('--impl <impl>', 'model | reference | bochs | cmd:"COMMAND" (an adapter, docs/adapter.md)', 'reference')
  .option('--jobs <n>', 'adapter or Bochs processes in parallel', '1')
  .option('--shard <K/N>', 'check only the K-th of N deterministic parts')
  .option('--results <file>', 'append one JSON line per vector as it is judged')
  .option('--resume', 'skip the vectors already in the --results file')
  .option('--junit <file>', 'also write a JUnit XML report')
  .option('--timeout <ms>', 'adapters: time to answer one vector; Bochs: time a run may go without progress', '10000')
  .option('--bochs-cpu <model>', 'Bochs CPU model (default corei7_skylake_x)')
  .option('--shrink', 'for the first divergences, find a minimal failing variant (reruns the implementation)')
  .action(checkCommand);

program
  .command('catalog')
  .description('print the specification as data: VMCS fields, controls, capability MSRs, exit reasons, errors, VM-entry checks')
  .option('--arch <arch>', 'vtx or vti', 'vtx')
  .option('--json', 'one JSON object (shape documented in the README)')
  .action(catalogCommand);

program
  .command('explain')
  .description('root state: run its VMLAUNCH/VMRESUME and show every VM-entry check, in order, and the outcome; non-root state: run one guest instruction or event and show which control, bitmap bit or mask decided, then the exit information or the guest\'s new state')
  .option('--arch <arch>', 'vtx or vti (VT-i: a VT-i state file and a step: instruction, event or PAL call)', 'vtx')
  .requiredOption('--state <file>', 'state file (JSON; see examples/vtx and examples/vti)')
  .option('--step <json>', 'non-root state: the guest step, e.g. \'{"instruction": {"op": "OUT", "size": 1, "port": 96}}\' or \'{"event": {"kind": "nmi"}}\' (default: the file\'s "step")')
  .option('--profile <name|file>', 'capability profile: a built-in name or a JSON file (default: the state file\'s, else bochs-skylake-x)')
  .option('--all', 'also list the rules a failure kept from being evaluated')
  .option('--json', 'machine-readable output')
  .action(explainCommand);

const vmm = program.command('vmm').description("the paper's efficiency claims: guest workloads under the reference VMMs, VMM entries counted by cause");
vmm
  .command('run')
  .description('run one workload under its reference VMM and print its VM exits (VT-x) or intercepts (VT-i) by cause')
  .option('--arch <arch>', 'vtx or vti', 'vtx')
  .requiredOption('--guest <name>', 'workload name (vtspec vmm compare lists them)')
  .option('--without <feature...>', 'turn off helping features (e.g. tpr-shadow, interrupt-window, lazy-fpu, ept, msr-bitmaps, accelerations)')
  .option('--json', 'machine-readable output')
  .action(vmmRunCommand);
vmm
  .command('compare')
  .description('every workload with and without the feature that helps it: exit counts and ratios')
  .option('--arch <arch>', 'only vtx or only vti (default: both)')
  .option('--svg <file>', 'also write the comparison as an SVG bar chart')
  .option('--json', 'machine-readable output')
  .action(vmmCompareCommand);

program
  .command('coverage')
  .description('per VM-entry rule: in spec, in model, in reference CPU, witnessed by a test (exit status 1 when there are gaps)')
  .option('--json', '{"rules": [{"id", "section", "spec", "model", "reference", "tested"}], "gaps": N}')
  .action(coverageCommand);

program
  .command('bench')
  .description('VM entries per second (model vs reference CPU), suite vectors per second (model, reference CPU, Bochs) and guest instructions per second in non-root operation (model vs reference CPU)')
  .option('--json', 'machine-readable output')
  .option('--ms <milliseconds>', 'measuring time per figure', '1500')
  .option('--no-bochs', 'do not measure Bochs even if it is installed')
  .action(benchCommand);

const profile = program.command('profile').description('capability profiles');
profile.command('list').description('the built-in profiles').action(profileListCommand);
profile
  .command('show')
  .description('decode the capability MSRs of a profile')
  .argument('<name|file>', 'a built-in profile name or a profile JSON file')
  .option('--json', 'the profile as JSON (the format profile files use)')
  .action(profileShowCommand);
profile
  .command('capture')
  .description('read the IA32_VMX_* MSRs and CPUID address widths of a Bochs CPU model into a profile file')
  .option('--impl <impl>', 'bochs', 'bochs')
  .requiredOption('--cpu <model>', 'Bochs cpu model, e.g. corei7_skylake_x, core2_penryn_t9600, tigerlake')
  .option('--out <file>', 'profile file to write (default: standard output)')
  .action(profileCaptureCommand);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) process.exit(err.exitCode === 0 ? 0 : 2);
  reportAndExit(err);
}
