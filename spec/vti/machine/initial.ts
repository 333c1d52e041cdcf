/**
 * Starting states: a processor in VMM context after reset (PSR.vm = 0), and a helper that builds a
 * state already running a guest under a created and restored VP, the way a VMM leaves it after
 * PAL_VP_INIT_ENV, PAL_VP_CREATE, PAL_VP_RESTORE and PAL_VPS_RESUME_NORMAL.
 */
import { VMM_CONFIG_OPTIONS } from '../pal.js';
import type { VtiProfile } from './profile.js';
import type { Gr, Vpd, VtiState } from './state.js';

export const ZERO_GR: Gr = { value: 0n, nat: false };

const bit = (n: number): bigint => 1n << BigInt(n);

/** PSR bit masks by name (spec/vti/psr.ts positions). */
export const PSR = {
  be: bit(1), up: bit(2), ac: bit(3), mfl: bit(4), mfh: bit(5), ic: bit(13), i: bit(14), pk: bit(15), dt: bit(17),
  dfl: bit(18), dfh: bit(19), sp: bit(20), pp: bit(21), di: bit(22), si: bit(23), db: bit(24), lp: bit(25), tb: bit(26),
  rt: bit(27), cpl: 3n << 32n, is: bit(34), mc: bit(35), it: bit(36), id: bit(37), da: bit(38), dd: bit(39), ss: bit(40),
  ri: 3n << 41n, ed: bit(43), bn: bit(44), ia: bit(45), vm: bit(46),
} as const;

/**
 * After reset, in VMM context: translation on (dt, rt, it), interruption collection on, interrupts
 * masked, bank 1, cpl 0, PSR.vm = 0; CFM empty; LSAPIC vector registers masked (ITV, PMV, CMCV,
 * LRR0/1 = 0x10000, as LK init_vcpu resets them); IVR reads spurious; no PAL environment.
 */
export const initialVtiState = (profile: VtiProfile): VtiState => ({
  psr: PSR.dt | PSR.rt | PSR.it | PSR.ic | PSR.bn,
  ip: 0n,
  lastIp: 0n,
  cr: new Map<number, bigint>([[65, 15n], [72, 0x10000n], [73, 0x10000n], [74, 0x10000n], [80, 0x10000n], [81, 0x10000n]]),
  gr: Array.from({ length: 128 }, () => ZERO_GR),
  grInactiveBank: Array.from({ length: 16 }, () => ZERO_GR),
  pr: 1n,
  br: Array.from({ length: 8 }, () => 0n),
  ar: new Map(),
  rse: { cfm: { sof: 0, sol: 0 }, cfle: true, frames: [] },
  rr: Array.from({ length: 8 }, () => 0n),
  pkr: new Map(),
  ibr: new Map(),
  dbr: new Map(),
  pmc: new Map(),
  pmd: new Map(),
  cpuid: [...profile.cpuid],
  tlb: { itr: Array.from({ length: profile.itrCount }, () => null), dtr: Array.from({ length: profile.dtrCount }, () => null), itc: [], dtc: [] },
  memory: new Map(),
  inService: 0n,
  pal: { status: 'not-initialised' },
  pendingVirtualInterrupt: 0n,
});

/** A VPD with nothing accelerated or disabled and every guest register 0. */
export const emptyVpd = (virtEnvVaddr: bigint): Vpd => ({
  vac: 0n, vdc: 0n, virtEnvVaddr, vhpi: 0n,
  vgr: Array.from({ length: 16 }, () => ZERO_GR),
  vbgr: Array.from({ length: 16 }, () => ZERO_GR),
  vcpuid: [0n, 0n, 0n, 0n, 0n],
  vpsr: 0n, vpr: 1n, vrseCfle: 0n,
  vcr: new Map([[66, 0x10000n]]),
  other: new Map(),
});

export interface GuestSetup {
  readonly vac?: bigint;
  readonly vdc?: bigint;
  /** The guest's virtual PSR (VPD vpsr); default: a kernel with ic, i, dt, rt, it, bn. */
  readonly vpsr?: bigint;
  /** Guest CPL (the physical PSR.cpl); default 0. */
  readonly cpl?: number;
  readonly vcr?: ReadonlyMap<number, bigint>;
  readonly vhpi?: bigint;
  /** config_options of PAL_VP_INIT_ENV; default the LK/XEN first-CPU value (cause and opcode on). */
  readonly configOptions?: bigint;
  readonly vpdAddress?: bigint;
  readonly hostIva?: bigint;
  readonly optHandler?: bigint;
  readonly ip?: bigint;
  /** The guest's frame size; default 8 locals of 16. */
  readonly cfm?: { readonly sof: number; readonly sol: number };
}

/**
 * Default addresses. The VMM's lie in the half of region 7 a guest cannot name on the default profile
 * (IMPL_VA_MSB = 50: bits 60:50 set, bit 49 clear), which is what VT-i's address-space rule is for.
 */
export const DEFAULT_GUEST = {
  vpdAddress: 0xfffc_0000_0400_0000n,
  bufferVirtual: 0xfffc_0000_0800_0000n,
  bufferPhysical: 0x0800_0000n,
  hostIva: 0xfffc_0000_0010_0000n,
  ip: 0x0000_0000_0040_0000n,
} as const;

/**
 * A processor running a guest (PSR.vm = 1) under one VP: PAL environment initialised, VP created and
 * restored (IVA = its host IVT), the latched pending virtual interrupt = VPD vhpi. The physical PSR
 * is what the VMMs resume guests with (ic, i, dt, rt, it, bn, vm, si; LK's IPSR 0x501008826000) at
 * the requested cpl.
 */
export const guestState = (profile: VtiProfile, setup: GuestSetup = {}): VtiState => {
  const base = initialVtiState(profile);
  const vpdAddress = setup.vpdAddress ?? DEFAULT_GUEST.vpdAddress;
  const hostIva = setup.hostIva ?? DEFAULT_GUEST.hostIva;
  const vcr = new Map(emptyVpd(0n).vcr);
  for (const [k, v] of setup.vcr ?? []) vcr.set(k, v);
  const vpd: Vpd = {
    ...emptyVpd(DEFAULT_GUEST.bufferVirtual),
    vac: setup.vac ?? 0n,
    vdc: setup.vdc ?? 0n,
    vhpi: setup.vhpi ?? 0n,
    vpsr: setup.vpsr ?? (PSR.ic | PSR.i | PSR.dt | PSR.rt | PSR.it | PSR.bn),
    vcpuid: [...profile.cpuid].slice(0, 5),
    vcr,
  };
  const cpl = BigInt((setup.cpl ?? 0) & 3);
  const cr = new Map(base.cr);
  cr.set(2, hostIva);
  return {
    ...base,
    psr: PSR.ic | PSR.i | PSR.dt | PSR.rt | PSR.it | PSR.bn | PSR.vm | PSR.si | (cpl << 32n),
    ip: setup.ip ?? DEFAULT_GUEST.ip,
    cr,
    rse: { ...base.rse, cfm: setup.cfm ?? { sof: 16, sol: 8 } },
    pal: {
      status: 'initialised',
      configOptions: setup.configOptions ?? VMM_CONFIG_OPTIONS.first,
      bufferPhysical: DEFAULT_GUEST.bufferPhysical,
      bufferVirtual: DEFAULT_GUEST.bufferVirtual,
      vsaBase: profile.vsaBase,
      vps: new Map([[vpdAddress, { vpd, hostIva, optHandler: setup.optHandler ?? 0n }]]),
      current: vpdAddress,
    },
    pendingVirtualInterrupt: vpd.vhpi,
  };
};
