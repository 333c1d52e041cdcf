/**
 * Equality of VT-i states as conformance needs it: what is architecturally visible. Two choices
 * (README.md): sparse maps compare with "absent = 0", and stacked registers outside the current frame
 * (GR32 + CFM.sof and up) are not compared, since no instruction can name them.
 */
import type { Gr, PalEnvironment, TlbEntry, TlbState, VirtualProcessor, Vpd, VtiState } from './state.js';

const hex = (v: bigint): string => `0x${v.toString(16)}`;

const mapDiff = <K extends number | bigint>(path: string, a: ReadonlyMap<K, bigint>, b: ReadonlyMap<K, bigint>): string[] => {
  const keys = [...new Set([...a.keys(), ...b.keys()])].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
  return keys.flatMap((k) => {
    const x = a.get(k) ?? 0n;
    const y = b.get(k) ?? 0n;
    return x === y ? [] : [`${path}[${typeof k === 'bigint' ? hex(k) : k}]: ${hex(x)} vs ${hex(y)}`];
  });
};

const grDiff = (path: string, a: Gr | undefined, b: Gr | undefined): string[] => {
  const x = a ?? { value: 0n, nat: false };
  const y = b ?? { value: 0n, nat: false };
  return x.value === y.value && x.nat === y.nat ? [] : [`${path}: ${hex(x.value)}${x.nat ? ' (NaT)' : ''} vs ${hex(y.value)}${y.nat ? ' (NaT)' : ''}`];
};

const grsDiff = (path: string, a: readonly Gr[], b: readonly Gr[], count: number, first = 0): string[] =>
  Array.from({ length: count }, (_, i) => grDiff(`${path}[${first + i}]`, a[first + i], b[first + i])).flat();

const arrayDiff = (path: string, a: readonly bigint[], b: readonly bigint[]): string[] =>
  Array.from({ length: Math.max(a.length, b.length) }, (_, i) => {
    const x = a[i] ?? 0n;
    const y = b[i] ?? 0n;
    return x === y ? [] : [`${path}[${i}]: ${hex(x)} vs ${hex(y)}`];
  }).flat();

const scalar = (path: string, a: bigint | number | boolean | string | null, b: bigint | number | boolean | string | null): string[] =>
  a === b ? [] : [`${path}: ${typeof a === 'bigint' ? hex(a) : String(a)} vs ${typeof b === 'bigint' ? hex(b) : String(b)}`];

const entryKey = (e: TlbEntry | null): string => (e === null ? 'empty' : `${hex(e.vadr)}/${hex(e.rid)}/${e.ps}/${hex(e.pte)}/${hex(e.key)}`);

const tlbDiff = (a: TlbState, b: TlbState): string[] =>
  (['itr', 'dtr', 'itc', 'dtc'] as const).flatMap((k) => {
    const x = a[k].map(entryKey);
    const y = b[k].map(entryKey);
    if (k === 'itc' || k === 'dtc') {
      // A TC is a set: the order of insertion is not observable.
      const sx = [...x].sort().join(', ');
      const sy = [...y].sort().join(', ');
      return sx === sy ? [] : [`tlb.${k}: {${sx}} vs {${sy}}`];
    }
    return Array.from({ length: Math.max(x.length, y.length) }, (_, i) =>
      (x[i] ?? 'empty') === (y[i] ?? 'empty') ? [] : [`tlb.${k}[${i}]: ${x[i] ?? 'empty'} vs ${y[i] ?? 'empty'}`]).flat();
  });

const vpdDiff = (path: string, a: Vpd, b: Vpd): string[] => [
  ...scalar(`${path}.vac`, a.vac, b.vac),
  ...scalar(`${path}.vdc`, a.vdc, b.vdc),
  ...scalar(`${path}.virtEnvVaddr`, a.virtEnvVaddr, b.virtEnvVaddr),
  ...scalar(`${path}.vhpi`, a.vhpi, b.vhpi),
  ...grsDiff(`${path}.vgr`, a.vgr, b.vgr, 16),
  ...grsDiff(`${path}.vbgr`, a.vbgr, b.vbgr, 16),
  ...arrayDiff(`${path}.vcpuid`, a.vcpuid, b.vcpuid),
  ...scalar(`${path}.vpsr`, a.vpsr, b.vpsr),
  ...scalar(`${path}.vpr`, a.vpr, b.vpr),
  ...scalar(`${path}.vrseCfle`, a.vrseCfle, b.vrseCfle),
  ...mapDiff(`${path}.vcr`, a.vcr, b.vcr),
  ...mapDiff(`${path}.other`, a.other, b.other),
];

const vpDiff = (path: string, a: VirtualProcessor, b: VirtualProcessor): string[] => [
  ...vpdDiff(`${path}.vpd`, a.vpd, b.vpd),
  ...scalar(`${path}.hostIva`, a.hostIva, b.hostIva),
  ...scalar(`${path}.optHandler`, a.optHandler, b.optHandler),
];

const palDiff = (a: PalEnvironment, b: PalEnvironment): string[] => {
  if (a.status !== b.status) return [`pal.status: ${a.status} vs ${b.status}`];
  if (a.status === 'not-initialised' || b.status === 'not-initialised') return [];
  const keys = [...new Set([...a.vps.keys(), ...b.vps.keys()])].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
  return [
    ...scalar('pal.configOptions', a.configOptions, b.configOptions),
    ...scalar('pal.bufferPhysical', a.bufferPhysical, b.bufferPhysical),
    ...scalar('pal.bufferVirtual', a.bufferVirtual, b.bufferVirtual),
    ...scalar('pal.vsaBase', a.vsaBase, b.vsaBase),
    ...scalar('pal.current', a.current, b.current),
    ...keys.flatMap((k) => {
      const x = a.vps.get(k);
      const y = b.vps.get(k);
      if (x === undefined || y === undefined) return [`pal.vps[${hex(k)}]: ${x === undefined ? 'absent' : 'present'} vs ${y === undefined ? 'absent' : 'present'}`];
      return vpDiff(`pal.vps[${hex(k)}]`, x, y);
    }),
  ];
};

/** Every architecturally visible difference between `a` and `b`, one line each ([] when equal). */
export const describeStateDiff = (a: VtiState, b: VtiState): string[] => {
  const sof = Math.min(a.rse.cfm.sof, 96);
  return [
    ...scalar('psr', a.psr, b.psr),
    ...scalar('ip', a.ip, b.ip),
    ...scalar('lastIp', a.lastIp, b.lastIp),
    ...mapDiff('cr', a.cr, b.cr),
    ...grsDiff('gr', a.gr, b.gr, 32),
    ...(a.rse.cfm.sof === b.rse.cfm.sof ? grsDiff('gr', a.gr, b.gr, sof, 32) : []),
    ...grsDiff('grInactiveBank', a.grInactiveBank, b.grInactiveBank, 16),
    ...scalar('pr', a.pr, b.pr),
    ...arrayDiff('br', a.br, b.br),
    ...mapDiff('ar', a.ar, b.ar),
    ...scalar('rse.cfm.sof', a.rse.cfm.sof, b.rse.cfm.sof),
    ...scalar('rse.cfm.sol', a.rse.cfm.sol, b.rse.cfm.sol),
    ...scalar('rse.cfle', a.rse.cfle, b.rse.cfle),
    ...scalar('rse.frames.length', a.rse.frames.length, b.rse.frames.length),
    ...a.rse.frames.flatMap((f, i) => {
      const g = b.rse.frames[i];
      if (g === undefined) return [];
      return f.regs.length !== g.regs.length ? [`rse.frames[${i}].regs.length: ${f.regs.length} vs ${g.regs.length}`]
        : grsDiff(`rse.frames[${i}].regs`, f.regs, g.regs, f.regs.length);
    }),
    ...arrayDiff('rr', a.rr, b.rr),
    ...mapDiff('pkr', a.pkr, b.pkr),
    ...mapDiff('ibr', a.ibr, b.ibr),
    ...mapDiff('dbr', a.dbr, b.dbr),
    ...mapDiff('pmc', a.pmc, b.pmc),
    ...mapDiff('pmd', a.pmd, b.pmd),
    ...arrayDiff('cpuid', a.cpuid, b.cpuid),
    ...tlbDiff(a.tlb, b.tlb),
    ...mapDiff('memory', a.memory, b.memory),
    ...scalar('inService', a.inService, b.inService),
    ...palDiff(a.pal, b.pal),
    ...scalar('pendingVirtualInterrupt', a.pendingVirtualInterrupt, b.pendingVirtualInterrupt),
  ];
};

export const stateEqual = (a: VtiState, b: VtiState): boolean => describeStateDiff(a, b).length === 0;
