/**
 * The guest's processor as the guest can observe it, put back together from the three places the
 * VMM keeps it (vm.ts): a `VtiState` in the guest's own terms, as if it ran natively (PSR.vm = 0, no
 * PAL virtual environment). Virtualization equivalence compares this with a native run
 * (`guestDiff`).
 */
import { PSR } from '../../../spec/vti/machine/initial.js';
import { AR } from '../../../spec/vti/machine/instructions.js';
import { describeStateDiff } from '../../../spec/vti/machine/compare.js';
import { isGuest, type VtiState } from '../../../spec/vti/machine/state.js';
import { guestPsrOf, u64 } from './bits.js';
import { VmmError } from './host.js';
import { isVmmOnlyAddress } from './layout.js';
import { irrWord } from './vlsapic.js';
import type { Vm } from './vm.js';

/** The guest's state while it runs (the machine in guest mode, PSR.vm = 1, on bank 1). */
export const guestView = (vm: Vm): VtiState => {
  const s = vm.host.state;
  if (!isGuest(s)) throw new VmmError('the guest view exists while the guest runs');
  const vpd = vm.host.vpd();
  const psr = guestPsrOf(vpd.vpsr, s.psr);
  const cr = new Map(vpd.vcr);
  for (let i = 0; i < 4; i++) cr.set(68 + i, irrWord(vm, i));
  const ar = new Map(s.ar);
  ar.set(AR.itc, u64((s.ar.get(AR.itc) ?? 0n) + vm.shadow.itcOffset));
  return {
    ...s,
    psr,
    // The machine's last instruction is the guest's unless it was VMM code (see entry.ts).
    lastIp: isVmmOnlyAddress(vm.profile, s.lastIp) ? vm.shadow.lastIp : s.lastIp,
    cr,
    grInactiveBank: [...((psr & PSR.bn) === 0n ? vpd.vgr : vpd.vbgr)],
    ar,
    rr: [...vm.shadow.rr],
    pkr: new Map(vm.shadow.pkr),
    ibr: new Map(vm.shadow.ibr),
    dbr: new Map(vm.shadow.dbr),
    pmc: new Map(vm.shadow.pmc),
    pmd: new Map(vm.shadow.pmd),
    cpuid: [...vpd.vcpuid],
    tlb: vm.shadow.tlb,
    inService: vm.shadow.inService,
    pal: { status: 'not-initialised' },
    pendingVirtualInterrupt: 0n,
  };
};

/**
 * What no guest instruction can observe, made equal: the PAL environment and the processor's latched
 * virtual interrupt (the VMM's), the source of IIPA while PSR.ic = 0 (frozen there, SDM 2:§3.3.5.6:
 * only the software-visible IIPA, CR22, matters then), what a state keeps in CR65 (a read of IVR
 * returns the vector it acknowledges, never a stored value), and the RSE's CFLE while PSR.ic = 1.
 * CFLE is compared in an interruption handler (PSR.ic = 0): there it is the hidden state of ITJ's
 * "Access to Hidden State" — 0 from the interruption, so the handler's RSE does not load the
 * interrupted frame (SDM 2:§6.7-6.8) — and VT-i gives the VMM PAL_VPS_RESUME_HANDLER's CFLE argument
 * to recreate it (2:492). With PSR.ic = 1 the VMM can resume only with PAL_VPS_RESUME_NORMAL, which
 * turns CFLE on as rfi does. CFLE decides only whether RSE loads go into the current frame or the
 * clean partition (SDM 3, rse_load), which matters only while the frame is incomplete (2:§6.8); rfi
 * sets it itself before it loads a frame (VTI.NATIVE.RFI). With the frame complete — always, here: no
 * backing store — no instruction can tell the two values apart.
 */
const unobservable = (s: VtiState, ic: boolean): VtiState => ({
  ...s,
  cr: new Map([...s.cr].filter(([n]) => n !== 65)),
  rse: ic ? { ...s.rse, cfle: true } : s.rse,
  pal: { status: 'not-initialised' },
  pendingVirtualInterrupt: 0n,
  lastIp: ic ? s.lastIp : 0n,
});

/** The differences a guest could observe between `virtualized` (guestView) and `native`, one per line. */
export const guestDiff = (virtualized: VtiState, native: VtiState): string[] => {
  const ic = (native.psr & PSR.ic) !== 0n;
  return describeStateDiff(unobservable(virtualized, ic), unobservable(native, ic));
};
