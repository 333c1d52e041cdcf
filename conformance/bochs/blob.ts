/**
 * The binary batch the harness reads from the ATA disk (harness.asm, "Case record"). Every number is
 * a 64-bit little-endian word:
 *
 *   header  '$VTSBLB1', mode (0 run cases, 1 capture profile), case count, total bytes
 *   case    length, flags, VMXON pointer, VMCS pointer, #zero pages, #memory words, #prep fields,
 *           #fields, then the page addresses, (address, value) words, (encoding, value) prep
 *           VMWRITEs, (encoding, value) case VMWRITEs
 */

/** What the harness executes for one case (built by realise.ts). */
export interface HarnessCase {
  /** VMLAUNCH a harness guest first, so the VMCS is 'launched' when the case's fields are written. */
  readonly launchFirst: boolean;
  readonly instruction: 'VMLAUNCH' | 'VMRESUME';
  /** Leave no VMCS current (currentVmcs = null in the case's state). */
  readonly noCurrentVmcs: boolean;
  readonly vmxonPointer: bigint;
  /** Ignored when noCurrentVmcs. */
  readonly vmcsPointer: bigint;
  /** 4-KiB pages this case reads or may dirty; zeroed before this case and the next one run. */
  readonly pages: readonly bigint[];
  readonly memory: readonly (readonly [bigint, bigint])[];
  readonly prepWrites: readonly (readonly [number, bigint])[];
  readonly writes: readonly (readonly [number, bigint])[];
}

export const BLOB_MAGIC = '$VTSBLB1';
export type BlobMode = 'cases' | 'capture';

const FLAG_LAUNCH_FIRST = 1n;
const FLAG_RESUME = 2n;
const FLAG_NO_CURRENT = 4n;

export const encodeBlob = (mode: BlobMode, cases: readonly HarnessCase[]): Buffer => {
  const words: bigint[] = [0n /* magic */, mode === 'capture' ? 1n : 0n, BigInt(cases.length), 0n /* total */];
  let previousPages: readonly bigint[] = [];
  for (const c of cases) {
    // Zero what the previous case may have left behind as well as what this case reads.
    const zero = [...new Set([...previousPages, ...c.pages])];
    previousPages = c.pages;
    const flags = (c.launchFirst ? FLAG_LAUNCH_FIRST : 0n) | (c.instruction === 'VMRESUME' ? FLAG_RESUME : 0n) |
      (c.noCurrentVmcs ? FLAG_NO_CURRENT : 0n);
    const body: bigint[] = [
      flags, c.vmxonPointer, c.vmcsPointer,
      BigInt(zero.length), BigInt(c.memory.length), BigInt(c.prepWrites.length), BigInt(c.writes.length),
      ...zero,
      ...c.memory.flatMap(([a, v]) => [a, v]),
      ...c.prepWrites.flatMap(([e, v]) => [BigInt(e), v]),
      ...c.writes.flatMap(([e, v]) => [BigInt(e), v]),
    ];
    words.push(BigInt((body.length + 1) * 8), ...body);
  }
  const buf = Buffer.alloc(words.length * 8);
  words.forEach((w, i) => buf.writeBigUInt64LE(BigInt.asUintN(64, w), i * 8));
  buf.write(BLOB_MAGIC, 0, 'latin1');
  buf.writeBigUInt64LE(BigInt(buf.length), 24);
  return buf;
};
