/** The built-in capability profiles (`vtspec profile list`). */
import type { VtxProfile } from '../profile.js';
import { BOCHS_PENRYN, BOCHS_SANDY_BRIDGE, BOCHS_SKYLAKE_X } from './bochs.js';
import { VTX_2006, VTX_MAX } from './synthetic.js';

export const BUILTIN_PROFILES = {
  'vtx-2006': VTX_2006,
  'bochs-penryn': BOCHS_PENRYN,
  'bochs-sandy-bridge': BOCHS_SANDY_BRIDGE,
  'bochs-skylake-x': BOCHS_SKYLAKE_X,
  'vtx-max': VTX_MAX,
} as const satisfies Record<string, VtxProfile>;

export type BuiltinProfileName = keyof typeof BUILTIN_PROFILES;
export const BUILTIN_PROFILE_NAMES = Object.keys(BUILTIN_PROFILES) as BuiltinProfileName[];
export const DEFAULT_PROFILE: BuiltinProfileName = 'bochs-skylake-x';
