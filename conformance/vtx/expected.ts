/** Does an observation match what the catalog says a rule's violation produces? */
import type { Observation } from '../../spec/vtx/observation.js';
import { entryFailureReason } from '../../spec/vtx/observation.js';
import type { CatalogFailure } from '../../spec/vtx/vm-entry/rule.js';
import type { VtxInstruction } from '../../spec/vtx/instructions.js';

export const matchesCatalogFailure = (
  f: CatalogFailure | { readonly kind: 'VMsucceed' }, o: Observation, instruction: VtxInstruction['op'],
): boolean => {
  switch (f.kind) {
    case 'VMsucceed': return o.kind === 'VMsucceed';
    case 'fault': return o.kind === 'fault' && o.vector === f.vector;
    // The catalog states VMLAUNCH's exit (basic reason 20); VMRESUME exits with 24 (App. C).
    case 'vm-exit': return o.kind === 'vm-exit' && o.reason === (instruction === 'VMRESUME' ? 24 : f.reason);
    case 'VMfailInvalid': return o.kind === 'VMfailInvalid';
    case 'VMfailValid': return o.kind === 'VMfailValid' && o.error === f.error;
    case 'entry-failure':
      return o.kind === 'vm-exit' && o.reason === entryFailureReason(f.reason) &&
        (f.qualification === 'list-position' ? o.qualification >= 1n : o.qualification === BigInt(f.qualification));
    case 'undefined': return true;
  }
};
