/**
 * How the model implements one catalog rule: `applies` is the rule's precondition (omitted when the
 * rule is unconditional) and `holds` what must hold. Each section file exports a record keyed by the
 * catalog IDs of its SDM section and typed `satisfies Record<SectionId, CheckImpl>`, so a rule the
 * model forgot, or one the catalog does not know, is a compile error.
 */
import type { EntryEnv } from './env.js';

export interface CheckImpl {
  readonly applies?: (e: EntryEnv) => boolean;
  readonly holds: (e: EntryEnv) => boolean;
}
