/** `vtspec profile capture --impl bochs --cpu MODEL [--out FILE]`: a capability profile read from Bochs itself. */
import { writeFileSync } from 'node:fs';
import { encodeProfile } from '../../../spec/codec/profile.js';
import { bochsAvailable, captureProfile } from '../../bochs/index.js';
import { fail } from '../errors.js';

/** Bochs 2.7 CPU models with VMX (shared/bochs.md). */
export const VMX_CPU_MODELS = [
  'core2_penryn_t9600', 'corei7_sandy_bridge_2600k', 'corei7_ivy_bridge_3770k', 'corei7_haswell_4770',
  'broadwell_ult', 'corei7_skylake_x', 'corei7_icelake_u', 'tigerlake',
] as const;

export const profileCaptureCommand = async (o: { impl: string; cpu: string; out?: string }): Promise<void> => {
  if (o.impl !== 'bochs') fail(`--impl ${o.impl}: only bochs can be captured`);
  if (o.cpu.trim() === '') fail(`--cpu: expected a Bochs CPU model, e.g. ${VMX_CPU_MODELS.join(', ')}`);
  const status = bochsAvailable();
  if (!status.ok) fail(`--impl bochs: ${status.reason}`);
  let profile;
  try {
    profile = await captureProfile(o.cpu);
  } catch (e) {
    const hint = (VMX_CPU_MODELS as readonly string[]).includes(o.cpu) ? '' : ` — is '${o.cpu}' a Bochs CPU model? Those with VMX: ${VMX_CPU_MODELS.join(', ')}`;
    return fail(`capturing ${o.cpu} on Bochs: ${(e as Error).message}${hint}`);
  }
  const text = `${JSON.stringify(encodeProfile(profile), null, 2)}\n`;
  if (o.out === undefined) process.stdout.write(text);
  else {
    try {
      writeFileSync(o.out, text);
    } catch (e) {
      fail(`${o.out}: cannot write (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    process.stderr.write(`wrote the ${o.cpu} profile to ${o.out}\n`);
  }
};
