/**
 * The VM-exit information fields (SDM §24.9, written by §27.2): exit reason, exit qualification,
 * interruption and IDT-vectoring information, instruction length and instruction information.
 */

export * from './layout.js';
export * from './exit-reason.js';
export * from './qualification.js';
export * from './interruption-info.js';
export * from './instruction-info.js';
export * from './instruction-length.js';
