/**
 * TLB faults the machine raises for the guest's probe (LK kvm_page_fault, XEN vmx_hpw_miss): with
 * PSR.vm = 1 probe does not intercept (cause 41 exists only where the optional SDM rev 2.3 feature
 * does), so it queries the machine's TLB — the VMM's, under the machine's remapped region ids and
 * its relocated PTA — which never holds the guest's translations (vtlb.ts keeps those). The miss it
 * takes there says nothing about the guest: natively the same probe queries the guest's own TLB and
 * either completes, or faults with ITIR built from the guest's RR and IHA from the guest's PTA and
 * RR (SDM 2:§8, Data TLB / Alternate Data TLB / Page Not Present vectors; SDM 3 probe page). The VMM
 * therefore answers the probe from its copy of the guest's TLB, as XEN resolves a machine miss from
 * its vTLB before it injects the guest's own fault: it reads the instruction at IIP and emulates it
 * (emulate/tlb.ts), which either completes it or delivers the guest's fault in the guest's terms.
 */
import { psrRi } from './bits.js';
import { emulate } from './emulate/index.js';
import { continuation, type Handled } from './intercept.js';
import { leave } from './leave.js';
import { slotAddress } from './program.js';
import type { Entry, Vm } from './vm.js';

/** Data TLB (0x0800), Alternate Data TLB (0x1000), Page Not Present (0x5000): the data-translation misses (SDM 2:§8). */
const DATA_TRANSLATION_MISSES: ReadonlySet<number> = new Set([0x0800, 0x1000, 0x5000]);
/** ISR.na: a non-access reference (probe, tpa, tak, fc, lfetch), SDM 2:§3.3.5.3. */
const ISR_NA = 1n << 35n;

/**
 * The guest's probe, answered from the guest's TLB when the machine's missed for it; null when the
 * entry is not such a miss (or the VMM cannot read the guest's code: then it is reflected as taken).
 */
export const resolveProbeMiss = (vm: Vm, entry: Entry): Handled | null => {
  if (!DATA_TRANSLATION_MISSES.has(entry.vector) || (entry.isr & ISR_NA) === 0n || vm.fetch === undefined) return null;
  const i = vm.fetch(slotAddress(entry.iip, psrRi(entry.ipsr)));
  if (i?.op !== 'probe') return null;
  const { cont, retired } = continuation(vm, entry, emulate({ vm, entry }, i));
  return { retired, resumed: leave(vm, cont) };
};
