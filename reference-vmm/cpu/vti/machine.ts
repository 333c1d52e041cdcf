/**
 * The reference CPU's mutable machine: what an emulator keeps. Deliberately not the shape of the
 * shared VtiState (spec/vti/machine/state.ts), so the reference CPU is a second reading:
 * - the general registers are one 128-entry physical file plus two physical banks for GR16-31
 *   (PSR.bn picks which one GR16-31 name), values in BigUint64Arrays and NaT bits in bytes;
 * - each created VP's VPD is its 8-byte words keyed by offset (vpd-words.ts), as in memory;
 * - the TLB is four mutable arrays, memory a Map of aligned words.
 * `Machine.from` copies a VtiState in; `snapshot` builds a fresh VtiState out.
 */
import type { Gr, PalEnvironment, TlbEntry, VirtualProcessor, VtiState } from '../../../spec/vti/machine/state.js';
import { bitOf, PSR_BIT, PSR_CPL, PSR_RI, fieldOf, withField } from './bits.js';
import { vpdFromWords, wordsFromVpd, type VpdWords } from './vpd-words.js';

export interface MutableTlbEntry {
  vadr: bigint;
  rid: bigint;
  ps: number;
  pte: bigint;
  key: bigint;
}

export interface MutableVp {
  words: VpdWords;
  hostIva: bigint;
  optHandler: bigint;
}

export interface PalEnv {
  configOptions: bigint;
  bufferPhysical: bigint;
  bufferVirtual: bigint;
  vsaBase: bigint;
  vps: Map<bigint, MutableVp>;
  current: bigint | null;
}

export interface Frame {
  values: bigint[];
  nats: boolean[];
}

export class Machine {
  psr = 0n;
  ip = 0n;
  lastIp = 0n;
  readonly cr = new Map<number, bigint>();
  /** GR0-GR127 except GR16-31, which live in `bankValues` / `bankNats`. */
  readonly grValues = new BigUint64Array(128);
  readonly grNats = new Uint8Array(128);
  readonly bankValues: [BigUint64Array, BigUint64Array] = [new BigUint64Array(16), new BigUint64Array(16)];
  readonly bankNats: [Uint8Array, Uint8Array] = [new Uint8Array(16), new Uint8Array(16)];
  pr = 1n;
  br: bigint[] = [];
  readonly ar = new Map<number, bigint>();
  sof = 0;
  sol = 0;
  cfle = true;
  frames: Frame[] = [];
  rr: bigint[] = [];
  readonly pkr = new Map<number, bigint>();
  readonly ibr = new Map<number, bigint>();
  readonly dbr = new Map<number, bigint>();
  readonly pmc = new Map<number, bigint>();
  readonly pmd = new Map<number, bigint>();
  cpuid: bigint[] = [];
  itr: (MutableTlbEntry | null)[] = [];
  dtr: (MutableTlbEntry | null)[] = [];
  itc: MutableTlbEntry[] = [];
  dtc: MutableTlbEntry[] = [];
  readonly memory = new Map<bigint, bigint>();
  inService = 0n;
  env: PalEnv | null = null;
  pendingVirtualInterrupt = 0n;

  static from(s: VtiState): Machine {
    const m = new Machine();
    m.psr = s.psr;
    m.ip = s.ip;
    m.lastIp = s.lastIp;
    for (const [k, v] of s.cr) m.cr.set(k, v);
    const bn = bitOf(s.psr, PSR_BIT.bn) ? 1 : 0;
    for (let i = 0; i < 128; i++) {
      const g = s.gr[i] ?? { value: 0n, nat: false };
      if (i >= 16 && i < 32) {
        m.bankValues[bn][i - 16] = g.value;
        m.bankNats[bn][i - 16] = g.nat ? 1 : 0;
      } else {
        m.grValues[i] = g.value;
        m.grNats[i] = g.nat ? 1 : 0;
      }
    }
    for (let i = 0; i < 16; i++) {
      const g = s.grInactiveBank[i] ?? { value: 0n, nat: false };
      m.bankValues[1 - bn]![i] = g.value;
      m.bankNats[1 - bn]![i] = g.nat ? 1 : 0;
    }
    m.grValues[0] = 0n;
    m.grNats[0] = 0;
    m.pr = s.pr | 1n;
    m.br = Array.from({ length: 8 }, (_, i) => s.br[i] ?? 0n);
    for (const [k, v] of s.ar) m.ar.set(k, v);
    m.sof = s.rse.cfm.sof;
    m.sol = s.rse.cfm.sol;
    m.cfle = s.rse.cfle;
    m.frames = s.rse.frames.map((f) => ({ values: f.regs.map((g) => g.value), nats: f.regs.map((g) => g.nat) }));
    m.rr = Array.from({ length: 8 }, (_, i) => s.rr[i] ?? 0n);
    for (const [k, v] of s.pkr) m.pkr.set(k, v);
    for (const [k, v] of s.ibr) m.ibr.set(k, v);
    for (const [k, v] of s.dbr) m.dbr.set(k, v);
    for (const [k, v] of s.pmc) m.pmc.set(k, v);
    for (const [k, v] of s.pmd) m.pmd.set(k, v);
    m.cpuid = [...s.cpuid];
    const copy = (e: TlbEntry): MutableTlbEntry => ({ vadr: e.vadr, rid: e.rid, ps: e.ps, pte: e.pte, key: e.key });
    m.itr = s.tlb.itr.map((e) => (e === null ? null : copy(e)));
    m.dtr = s.tlb.dtr.map((e) => (e === null ? null : copy(e)));
    m.itc = s.tlb.itc.map(copy);
    m.dtc = s.tlb.dtc.map(copy);
    for (const [k, v] of s.memory) m.memory.set(k, v);
    m.inService = s.inService;
    if (s.pal.status === 'initialised') {
      const vps = new Map<bigint, MutableVp>();
      for (const [addr, vp] of s.pal.vps) vps.set(addr, { words: wordsFromVpd(vp.vpd), hostIva: vp.hostIva, optHandler: vp.optHandler });
      m.env = {
        configOptions: s.pal.configOptions, bufferPhysical: s.pal.bufferPhysical, bufferVirtual: s.pal.bufferVirtual,
        vsaBase: s.pal.vsaBase, vps, current: s.pal.current,
      };
    }
    m.pendingVirtualInterrupt = s.pendingVirtualInterrupt;
    return m;
  }

  // --- PSR fields ---
  psrBit(n: number): boolean {
    return bitOf(this.psr, n);
  }
  setPsrBit(n: number, on: boolean): void {
    this.psr = on ? this.psr | (1n << BigInt(n)) : this.psr & ~(1n << BigInt(n));
  }
  get cpl(): number {
    return Number(fieldOf(this.psr, PSR_CPL[0], PSR_CPL[1]));
  }
  get ri(): number {
    return Number(fieldOf(this.psr, PSR_RI[0], PSR_RI[1]));
  }
  set ri(v: number) {
    this.psr = withField(this.psr, PSR_RI[0], PSR_RI[1], BigInt(v));
  }
  get vm(): boolean {
    return this.psrBit(PSR_BIT.vm);
  }
  get bank(): 0 | 1 {
    return this.psrBit(PSR_BIT.bn) ? 1 : 0;
  }

  // --- general registers as software names them ---
  grValue(r: number): bigint {
    if (r >= 16 && r < 32) return this.bankValues[this.bank][r - 16]!;
    return this.grValues[r] ?? 0n;
  }
  grNat(r: number): boolean {
    if (r >= 16 && r < 32) return this.bankNats[this.bank][r - 16] === 1;
    return this.grNats[r] === 1;
  }
  setGr(r: number, value: bigint, nat = false): void {
    if (r === 0) return;
    if (r >= 16 && r < 32) {
      this.bankValues[this.bank][r - 16] = value;
      this.bankNats[this.bank][r - 16] = nat ? 1 : 0;
    } else {
      this.grValues[r] = value;
      this.grNats[r] = nat ? 1 : 0;
    }
  }
  /** GR16-31 of physical bank `b`, whatever PSR.bn says (interception writes bank 0). */
  setBankGr(b: 0 | 1, r: number, value: bigint): void {
    this.bankValues[b][r - 16] = value;
    this.bankNats[b][r - 16] = 0;
  }

  crValue(n: number): bigint {
    return this.cr.get(n) ?? 0n;
  }
  setCr(n: number, v: bigint): void {
    this.cr.set(n, v);
  }
  arValue(n: number): bigint {
    return this.ar.get(n) ?? 0n;
  }

  currentVp(): MutableVp | null {
    if (this.env === null || this.env.current === null) return null;
    return this.env.vps.get(this.env.current) ?? null;
  }

  snapshot(): VtiState {
    const bn = this.bank;
    const gr: Gr[] = Array.from({ length: 128 }, (_, i) => (i >= 16 && i < 32
      ? { value: this.bankValues[bn][i - 16]!, nat: this.bankNats[bn][i - 16] === 1 }
      : { value: this.grValues[i]!, nat: this.grNats[i] === 1 }));
    const other = (1 - bn) as 0 | 1;
    const grInactiveBank: Gr[] = Array.from({ length: 16 }, (_, i) => ({ value: this.bankValues[other][i]!, nat: this.bankNats[other][i] === 1 }));
    const entry = (e: MutableTlbEntry): TlbEntry => ({ vadr: e.vadr, rid: e.rid, ps: e.ps, pte: e.pte, key: e.key });
    let pal: PalEnvironment = { status: 'not-initialised' };
    if (this.env !== null) {
      const vps = new Map<bigint, VirtualProcessor>();
      for (const [addr, vp] of this.env.vps) vps.set(addr, { vpd: vpdFromWords(vp.words), hostIva: vp.hostIva, optHandler: vp.optHandler });
      pal = {
        status: 'initialised', configOptions: this.env.configOptions, bufferPhysical: this.env.bufferPhysical,
        bufferVirtual: this.env.bufferVirtual, vsaBase: this.env.vsaBase, vps, current: this.env.current,
      };
    }
    return {
      psr: this.psr,
      ip: this.ip,
      lastIp: this.lastIp,
      cr: new Map(this.cr),
      gr,
      grInactiveBank,
      pr: this.pr,
      br: [...this.br],
      ar: new Map(this.ar),
      rse: {
        cfm: { sof: this.sof, sol: this.sol },
        cfle: this.cfle,
        frames: this.frames.map((f) => ({ regs: f.values.map((v, i) => ({ value: v, nat: f.nats[i] ?? false })) })),
      },
      rr: [...this.rr],
      pkr: new Map(this.pkr),
      ibr: new Map(this.ibr),
      dbr: new Map(this.dbr),
      pmc: new Map(this.pmc),
      pmd: new Map(this.pmd),
      cpuid: [...this.cpuid],
      tlb: { itr: this.itr.map((e) => (e === null ? null : entry(e))), dtr: this.dtr.map((e) => (e === null ? null : entry(e))), itc: this.itc.map(entry), dtc: this.dtc.map(entry) },
      memory: new Map(this.memory),
      inService: this.inService,
      pal,
      pendingVirtualInterrupt: this.pendingVirtualInterrupt,
    };
  }
}
