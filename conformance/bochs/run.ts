/**
 * Running VM-entry cases on Bochs: realise each case (realise.ts), pack the runnable ones into
 * batches, boot Bochs once per batch with `jobs` processes in parallel, and turn the harness's
 * lines into observations. A batch that hangs or resets Bochs keeps the results it produced; the
 * case it stopped in runs alone, the rest run as a new batch (when the stopping case is unknown the
 * rest is halved). A case that stops Bochs twice on its own becomes an `error` result.
 */
import type { ReportedObservation } from '../../spec/vtx/observation.js';
import { BUILTIN_PROFILES, type BuiltinProfileName } from '../../spec/vtx/profiles/index.js';
import { VMCS_FIELDS } from '../../spec/vtx/vmcs/fields.js';
import { encodeBlob, type HarnessCase } from './blob.js';
import { bootBochs, type BootResult } from './bochs-process.js';
import { BLOB_CAPACITY } from './layout.js';
import { bochsRealiser, type BochsCase } from './realise.js';

export type BochsResult =
  | { readonly id: string; readonly kind: 'observed'; readonly observation: ReportedObservation; readonly note?: string }
  | { readonly id: string; readonly kind: 'skipped'; readonly reason: string }
  | { readonly id: string; readonly kind: 'error'; readonly reason: string };

export interface RunOptions {
  readonly cpuModel?: string;
  readonly jobs?: number;
  readonly batchSize?: number;
  /** Kill Bochs when it prints nothing for this long (boot included). */
  readonly timeoutMs?: number;
}

/** Bochs CPU models and the built-in profiles that record what they report. */
export const CPU_MODEL_PROFILES: Readonly<Record<string, BuiltinProfileName>> = {
  corei7_skylake_x: 'bochs-skylake-x',
  core2_penryn_t9600: 'bochs-penryn',
  corei7_sandy_bridge_2600k: 'bochs-sandy-bridge',
};

export const profileForCpuModel = (cpuModel: string): BuiltinProfileName | undefined => CPU_MODEL_PROFILES[cpuModel];

const ENCODING_NAME = new Map(VMCS_FIELDS.map((f) => [f.encoding, f.name]));
const fieldName = (encoding: number): string => ENCODING_NAME.get(encoding) ?? `field 0x${encoding.toString(16)}`;
const hexNum = (s: string | undefined): bigint => BigInt(`0x${s ?? '0'}`);

interface Pending { readonly index: number; readonly id: string; readonly harness: HarnessCase }

const EXIT_NAMES: Readonly<Record<number, string>> = { 0: 'exception or NMI', 1: 'external interrupt', 2: 'triple fault', 12: 'HLT', 48: 'EPT violation', 49: 'EPT misconfiguration', 52: 'VMX-preemption timer expired' };

const vmfail = (parts: readonly string[]): string =>
  parts[0] === 'I' ? 'VMfailInvalid' : `VMfailValid(${Number(hexNum(parts[1]))})`;

/** One case's lines (@@W ... and @@R ...) → its result. */
const interpret = (p: Pending, writes: readonly string[][], r: readonly string[]): BochsResult => {
  const id = p.id;
  const values = new Map(p.harness.writes);
  for (const w of writes) {
    const enc = Number(hexNum(w[1]));
    const value = values.get(enc);
    if (value !== undefined && value !== 0n) {
      const err = w[2] === 'I' ? 'VMfailInvalid' : `VMfailValid(${Number(hexNum(w[2]))})`;
      return { id, kind: 'skipped', reason: `VMWRITE ${fieldName(enc)} = 0x${value.toString(16)} failed on Bochs with ${err}, so the case's VMCS could not be built` };
    }
  }
  const [tag, ...rest] = r;
  switch (tag) {
    case 'VI': return { id, kind: 'observed', observation: { kind: 'VMfailInvalid' } };
    case 'VV': return { id, kind: 'observed', observation: { kind: 'VMfailValid', error: Number(hexNum(rest[0])) } };
    case 'X': return { id, kind: 'observed', observation: { kind: 'vm-exit', reason: Number(hexNum(rest[0])), qualification: hexNum(rest[1]) } };
    case 'E': {
      const basic = Number(hexNum(rest[0]) & 0xffffn);
      return { id, kind: 'observed', observation: { kind: 'vm-entry' }, note: `the guest's first VM exit had basic reason ${basic}${EXIT_NAMES[basic] ? ` (${EXIT_NAMES[basic]})` : ''}` };
    }
    case 'F': {
      const vector = Number(hexNum(rest[0]));
      const code = hexNum(rest[1]);
      if (vector === 6) return { id, kind: 'observed', observation: { kind: 'fault', vector: '#UD' } };
      if (vector === 13 && code === 0n) return { id, kind: 'observed', observation: { kind: 'fault', vector: '#GP(0)' } };
      return { id, kind: 'error', reason: `the harness caught exception vector ${vector} (error code 0x${code.toString(16)}), which no VMX instruction outcome describes` };
    }
    case 'ON': return { id, kind: 'skipped', reason: `Bochs refused VMXON at 0x${p.harness.vmxonPointer.toString(16)} (${vmfail(rest)}), so the case's VMX operation could not be set up` };
    case 'CL': return { id, kind: 'skipped', reason: `Bochs refused VMCLEAR of 0x${p.harness.vmcsPointer.toString(16)} (${vmfail(rest)})` };
    case 'PL': return { id, kind: 'skipped', reason: `Bochs refused VMPTRLD of 0x${p.harness.vmcsPointer.toString(16)} (${vmfail(rest)}), so the case's VMCS could not be made current` };
    case 'PREP': return { id, kind: 'skipped', reason: `the harness guest that makes the VMCS 'launched' failed VMLAUNCH on Bochs (${vmfail(rest)})` };
    case 'PREPX': return { id, kind: 'skipped', reason: `the harness guest that makes the VMCS 'launched' failed VM entry on Bochs (exit reason 0x${rest[0] ?? '?'})` };
    default: return { id, kind: 'error', reason: `unexpected harness report '${r.join(' ')}'` };
  }
};

const describeStop = (b: BootResult, timeoutMs: number): string =>
  b.status === 'stopped' ? `Bochs logged '${b.stopReason}' (the emulated CPU stopped)`
  : b.status === 'hung' ? `Bochs made no progress for ${timeoutMs} ms (the guest or the harness hung)`
    : b.status === 'reset' ? 'Bochs reset the machine (triple fault or VMX abort in the harness)'
      : `Bochs exited before the harness finished${b.stderrTail ? `: ${b.stderrTail.split('\n').slice(-3).join(' / ')}` : ''}`;

/** A small semaphore: at most `n` Bochs processes at a time. */
const limiter = (n: number) => {
  let active = 0;
  const queue: (() => void)[] = [];
  return async <T>(f: () => Promise<T>): Promise<T> => {
    if (active >= n) await new Promise<void>((r) => queue.push(r));
    active++;
    try {
      return await f();
    } finally {
      active--;
      queue.shift()?.();
    }
  };
};

export const runOnBochs = async (cases: readonly BochsCase[], options: RunOptions = {}): Promise<BochsResult[]> => {
  const cpuModel = options.cpuModel ?? 'corei7_skylake_x';
  const jobs = Math.max(1, options.jobs ?? 1);
  const timeoutMs = options.timeoutMs ?? 10_000;
  const profileName = profileForCpuModel(cpuModel);
  const results: (BochsResult | undefined)[] = new Array(cases.length);
  if (profileName === undefined) {
    const known = Object.keys(CPU_MODEL_PROFILES).join(', ');
    return cases.map((c) => ({ id: c.id, kind: 'skipped', reason: `no capability profile is recorded for Bochs CPU model '${cpuModel}' (known: ${known})` }));
  }
  const realiser = bochsRealiser(BUILTIN_PROFILES[profileName]);
  const pending: Pending[] = [];
  cases.forEach((c, index) => {
    const r = realiser.realise(c);
    if (r.kind === 'skip') results[index] = { id: c.id, kind: 'skipped', reason: r.reason };
    else pending.push({ index, id: c.id, harness: r.harness });
  });
  const batchSize = Math.max(1, options.batchSize ?? Math.max(50, Math.ceil(pending.length / jobs)));
  const limit = limiter(jobs);
  const strikes = new Map<number, number>();

  const runBatch = async (batch: readonly Pending[]): Promise<void> => {
    if (batch.length === 0) return;
    const blob = encodeBlob('cases', batch.map((p) => p.harness));
    if (BigInt(blob.length) > BLOB_CAPACITY && batch.length > 1) {
      const half = Math.ceil(batch.length / 2);
      await Promise.all([runBatch(batch.slice(0, half)), runBatch(batch.slice(half))]);
      return;
    }
    const boot = await limit(() => bootBochs(cpuModel, blob, timeoutMs));
    if (process.env['VTSPEC_BOCHS_TRACE'] === '1') process.stderr.write(`vtspec bochs: ${batch.length} cases, ${boot.status}, ${boot.ms} ms, ${boot.lines.length} lines\n`);
    const writes = new Map<number, string[][]>();
    const done = new Set<number>();
    let started = -1;
    for (const line of boot.lines) {
      const parts = line.split(/\s+/);
      const tag = parts[0];
      const i = Number(hexNum(parts[1]));
      if (tag === 'C') started = i;
      else if (tag === 'W') writes.set(i, [...(writes.get(i) ?? []), parts.slice(1)]);
      else if (tag === 'R' && batch[i] !== undefined && !done.has(i)) {
        done.add(i);
        results[batch[i].index] = interpret(batch[i], writes.get(i) ?? [], parts.slice(2));
      }
    }
    const rest = batch.filter((_, i) => !done.has(i));
    if (rest.length === 0) return;
    if (boot.status === 'done') {
      for (const p of rest) results[p.index] = { id: p.id, kind: 'error', reason: 'the harness finished without reporting this case' };
      return;
    }
    const reason = describeStop(boot, timeoutMs);
    if (!boot.lines.includes('BOOT') && boot.status === 'exited') {
      // Bochs never reached the harness: the environment, not a case, is at fault.
      for (const p of rest) results[p.index] = { id: p.id, kind: 'error', reason: `Bochs did not boot the harness: ${reason}` };
      return;
    }
    if (batch.length === 1) {
      const p = batch[0]!;
      const n = (strikes.get(p.index) ?? 0) + 1;
      strikes.set(p.index, n);
      // A logged VMX abort or triple fault is deterministic evidence: once alone is enough.
      if (boot.status === 'stopped') results[p.index] = { id: p.id, kind: 'error', reason: `${reason}, with this case alone` };
      else if (n >= 2) results[p.index] = { id: p.id, kind: 'error', reason: `${reason}, twice with this case alone` };
      else await runBatch(batch);
      return;
    }
    const culprit = started >= 0 && !done.has(started) ? batch[started] : undefined;
    if (culprit !== undefined) {
      // The rest runs as `jobs` batches, so one bad case does not serialise a parallel run.
      const others = rest.filter((p) => p !== culprit);
      const size = Math.max(1, Math.ceil(others.length / jobs));
      const parts: Pending[][] = [];
      for (let i = 0; i < others.length; i += size) parts.push(others.slice(i, i + size));
      await Promise.all([runBatch([culprit]), ...parts.map(runBatch)]);
    } else {
      const half = Math.ceil(rest.length / 2);
      await Promise.all([runBatch(rest.slice(0, half)), runBatch(rest.slice(half))]);
    }
  };

  const batches: Pending[][] = [];
  for (let i = 0; i < pending.length; i += batchSize) batches.push(pending.slice(i, i + batchSize));
  await Promise.all(batches.map(runBatch));
  return results.map((r, i) => r ?? { id: cases[i]!.id, kind: 'error', reason: 'internal: no result recorded' });
};
