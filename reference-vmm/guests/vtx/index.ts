/** The VT-x guests: the standard machine, the assembler, the program shape and the hand-written kernels. */
export { assemble, type AsmItem } from './assemble.js';
export { handlerOf, identityPte, LAYOUT, PTE_FLAGS, SELECTORS, standardCpu, standardGuest, standardMemory } from './layout.js';
export { GUEST_MEMORY_SIZE, type GuestInitialState, type ScheduledEvent, type VtxGuestProgram } from './program.js';
export { DATA, interruptMaskingKernel, lazyFpuKernel, pageTableKernel, syscallKernel, tprKernel, VTX_GUESTS, type VtxGuestName } from './kernels.js';
