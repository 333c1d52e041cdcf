/** The VT-i machine interface: state, instructions, events, observations, rules, profiles. */
export * from './compare.js';
export * from './events.js';
export * from './faults.js';
export * from './initial.js';
export * from './instructions.js';
export * from './observation.js';
export * from './opcode.js';
export * from './profile.js';
export * from './rules.js';
export * from './state.js';
export type * from './step.js';
