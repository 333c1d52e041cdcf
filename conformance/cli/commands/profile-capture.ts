/** `vtspec profile capture --impl bochs --cpu MODEL [--out FILE]`: a capability profile read from Bochs itself. */
import { writeFileSync } from 'node:fs';
import { encodeProfile } from '../../../spec/codec/profile.js';
import { bochsAvailable, captureProfile } from '../../bochs/index.js';
import { fail } from '../errors.js';

export const profileCaptureCommand = async (o: { impl: string; cpu: string; out?: string }): Promise<void> => {
  if (o.impl !== 'bochs') fail(`--impl ${o.impl}: only bochs can be captured`);
  const status = bochsAvailable();
  if (!status.ok) fail(`--impl bochs: ${status.reason}`);
  let profile;
  try {
    profile = await captureProfile(o.cpu);
  } catch (e) {
    return fail(`capturing ${o.cpu} on Bochs: ${(e as Error).message}`);
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
