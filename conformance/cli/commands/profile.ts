/** `vtspec profile list` and `vtspec profile show NAME|FILE [--json]`: capability profiles, decoded. */
import { encodeProfile } from '../../../spec/codec/profile.js';
import { capabilityMsrExists, decodeCapabilityMsr, CAPABILITY_MSR_LAYOUTS } from '../../../spec/vtx/capability-msrs.js';
import { CAPABILITY_MSRS, type CapabilityMsrName } from '../../../spec/vtx/profile.js';
import { BUILTIN_PROFILES, BUILTIN_PROFILE_NAMES, DEFAULT_PROFILE } from '../../../spec/vtx/profiles/index.js';
import { loadProfile } from '../inputs.js';

export const profileListCommand = (): void => {
  const width = Math.max(...BUILTIN_PROFILE_NAMES.map((n) => n.length)) + 2;
  const out = BUILTIN_PROFILE_NAMES.map((n) => `${n.padEnd(width)}${n === DEFAULT_PROFILE ? '(default) ' : ''}${BUILTIN_PROFILES[n].description}`);
  process.stdout.write(`${out.join('\n')}\n`);
};

export const profileShowCommand = (nameOrFile: string, opts: { json?: boolean }): void => {
  const p = loadProfile(nameOrFile);
  if (opts.json) {
    process.stdout.write(`${JSON.stringify(encodeProfile(p), null, 2)}\n`);
    return;
  }
  const out = [`${p.name}: ${p.description}`, `MAXPHYADDR ${p.maxPhysAddr}, linear-address width ${p.linearAddressWidth}, Intel 64: ${p.intel64 ? 'yes' : 'no'}`, ''];
  for (const name of Object.keys(CAPABILITY_MSRS) as CapabilityMsrName[]) {
    const value = p.msrs[name];
    const idx = `0x${CAPABILITY_MSRS[name].toString(16).toUpperCase()}`;
    if (value === undefined) {
      out.push(`${idx} ${name}: not enumerated (RDMSR #GP)${capabilityMsrExists(name, p.msrs) ? ' — but the other MSRs say it exists!' : ''}`);
      continue;
    }
    out.push(`${idx} ${name} = 0x${value.toString(16).toUpperCase().padStart(16, '0')}  (${CAPABILITY_MSR_LAYOUTS[name].section})`);
    for (const f of decodeCapabilityMsr(name, value)) {
      if (f.name === 'reserved' && f.value === 0n) continue;
      out.push(`    ${`${f.bits[0]}:${f.bits[1]}`.padEnd(6)} ${f.name.padEnd(34)} 0x${f.value.toString(16)}`);
    }
  }
  process.stdout.write(`${out.join('\n')}\n`);
};
