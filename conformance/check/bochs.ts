/** `--impl bochs`: placeholder until the Bochs backend lands (conformance/bochs). */
import type { Implementation } from './implementation.js';
import { fail } from '../cli/errors.js';

export const bochsStatus = (): { ok: true } | { ok: false; reason: string } => ({ ok: false, reason: 'the Bochs backend is not wired in yet' });

export const bochsImplementation = (_o: { jobs: number; timeoutMs: number; cpuModel?: string }): Implementation =>
  fail('--impl bochs: the Bochs backend is not built yet');
