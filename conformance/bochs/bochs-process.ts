/**
 * One Bochs boot: assemble the harness (once per process), write the floppy (harness) and disk
 * (case blob) images and a bochsrc into a fresh temp dir, run `bochs -q -f bochsrc -rc dbg.rc`
 * (shared/bochs.md), and collect the harness's `@@` lines from stdout. Bochs is killed when it
 * makes no progress (no new line) within the timeout, or when the harness boots a second time
 * (a triple fault or VMX abort resets the emulated machine).
 */
import { execFile, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { MEGS, NASM_DEFINES } from './layout.js';

const run = promisify(execFile);
const HERE = dirname(fileURLToPath(import.meta.url));
/** harness.asm sits next to this file in the sources; dist/ builds look in the source tree. */
const harnessSource = (): string => {
  const candidates = [join(HERE, 'harness.asm'), join(HERE, '..', '..', '..', 'conformance', 'bochs', 'harness.asm')];
  return candidates.find((p) => existsSync(p)) ?? candidates[0]!;
};

export const BIOS = '/usr/share/bochs/BIOS-bochs-latest';
export const VGABIOS = '/usr/share/bochs/VGABIOS-lgpl-latest';
const FLOPPY_BYTES = 1_474_560;
const BOOT_ALLOWANCE_MS = 10_000;
/** Sectors the boot sector loads from floppy track 0 (harness.asm: sectors 2..18). */
const MAX_HARNESS_BYTES = 512 + 17 * 512;

let harness: Promise<Buffer> | undefined;
/** coreutils' stdbuf, to make Bochs' stdout line-buffered. */
const STDBUF = spawnSync('stdbuf', ['--version'], { stdio: 'ignore' }).status === 0;

/** The assembled harness (boot sector + .hi), cached per process. */
export const assembleHarness = (): Promise<Buffer> => {
  harness ??= (async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vtspec-nasm-'));
    try {
      const out = join(dir, 'harness.bin');
      const defines = Object.entries(NASM_DEFINES).map(([k, v]) => `-D${k}=0x${v.toString(16)}`);
      await run('nasm', ['-f', 'bin', ...defines, '-o', out, harnessSource()]);
      const bin = await readFile(out);
      if (bin.length > MAX_HARNESS_BYTES) throw new Error(`harness is ${bin.length} bytes; the boot sector loads at most ${MAX_HARNESS_BYTES}`);
      return bin;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  })();
  harness.catch(() => { harness = undefined; });
  return harness;
};

export interface BootResult {
  /**
   * 'done': the harness printed @@DONE; 'hung': no progress within the timeout; 'reset': it booted
   * twice; 'stopped': bochs.log reported a VMX abort or triple fault (see stopReason); 'exited':
   * Bochs ended otherwise (e.g. a Bochs panic, in stderrTail).
   */
  readonly status: 'done' | 'hung' | 'reset' | 'stopped' | 'exited';
  readonly stopReason?: string;
  /** The harness's lines, without the leading "@@". */
  readonly lines: readonly string[];
  readonly stderrTail: string;
  readonly ms: number;
}

const readLogTail = async (path: string, from: number): Promise<{ text: string; size: number }> => {
  const fh = await open(path, 'r');
  try {
    const { size } = await fh.stat();
    if (size <= from) return { text: '', size: from };
    const buf = Buffer.alloc(size - from);
    await fh.read(buf, 0, buf.length, from);
    return { text: buf.toString('latin1'), size };
  } finally {
    await fh.close();
  }
};

/** The disk holding the blob: flat image, 16 heads x 63 sectors, padded to whole cylinders. */
const diskImage = (blob: Buffer): { image: Buffer; cylinders: number } => {
  const cyl = 16 * 63 * 512;
  const cylinders = Math.max(1, Math.ceil(blob.length / cyl));
  const image = Buffer.alloc(cylinders * cyl);
  blob.copy(image);
  return { image, cylinders };
};

const bochsrc = (cpuModel: string, cylinders: number): string => [
  `megs: ${MEGS}`,
  // ignore_bad_msrs=0: an absent MSR raises #GP instead of reading 0 (shared/bochs.md, quirks).
  `cpu: model=${cpuModel}, ignore_bad_msrs=0`,
  `romimage: file=${BIOS}`,
  `vgaromimage: file=${VGABIOS}`,
  'floppya: 1_44=floppy.img, status=inserted',
  'ata0: enabled=1, ioaddr1=0x1f0, ioaddr2=0x3f0, irq=14',
  `ata0-master: type=disk, path=disk.img, mode=flat, cylinders=${cylinders}, heads=16, spt=63`,
  'boot: floppy',
  'floppy_bootsig_check: disabled=0',
  'display_library: rfb, options="timeout=0"',
  'port_e9_hack: enabled=1',
  'log: bochs.log',
  'clock: sync=none',
  'speaker: enabled=0',
  'sound: driver=dummy',
  '',
].join('\n');

/** Boot Bochs once with this blob. Never rejects for emulator trouble: the status says what happened. */
export const bootBochs = async (cpuModel: string, blob: Buffer, timeoutMs: number): Promise<BootResult> => {
  const bin = await assembleHarness();
  const dir = await mkdtemp(join(tmpdir(), 'vtspec-bochs-'));
  const started = Date.now();
  try {
    const floppy = Buffer.alloc(FLOPPY_BYTES);
    bin.copy(floppy);
    const { image, cylinders } = diskImage(blob);
    await Promise.all([
      writeFile(join(dir, 'floppy.img'), floppy),
      writeFile(join(dir, 'disk.img'), image),
      writeFile(join(dir, 'bochsrc'), bochsrc(cpuModel, cylinders)),
      writeFile(join(dir, 'dbg.rc'), 'c\n'),
    ]);
    return await new Promise<BootResult>((resolve) => {
      // Bochs writes port E9 bytes with stdio, block-buffered on a pipe: without line buffering a
      // hung Bochs takes up to 4 KiB of finished results with it, and progress is not seen.
      const argv = ['-q', '-f', 'bochsrc', '-rc', 'dbg.rc'];
      const child = STDBUF ? spawn('stdbuf', ['-oL', 'bochs', ...argv], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] })
        : spawn('bochs', argv, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
      const lines: string[] = [];
      let partial = '';
      let stderr = '';
      let status: BootResult['status'] | undefined;
      let boots = 0;
      let stopReason: string | undefined;
      let timer: NodeJS.Timeout | undefined;
      const kill = (why: BootResult['status']) => {
        status ??= why;
        child.kill('SIGKILL');
      };
      // Booting (BIOS, zeroing 16 MiB, reading the blob) gets extra time on a loaded machine.
      const arm = () => {
        if (timer) clearTimeout(timer);
        timer = setTimeout(() => kill('hung'), lines.length === 0 ? timeoutMs + BOOT_ALLOWANCE_MS : timeoutMs);
      };
      arm();
      // bochs.log names a VMX abort or a triple fault at once; the emulated CPU then sits in the
      // shutdown state, so waiting for the timeout would only cost time.
      let logSeen = 0;
      const watch = setInterval(() => {
        readLogTail(join(dir, 'bochs.log'), logSeen).then(({ text, size }) => {
          logSeen = size;
          const m = /(VMABORT:[^\n]*|exception\(\): 3rd[^\n]*|shutdown state[^\n]*)/.exec(text);
          if (m && status === undefined) { stopReason = m[1]!.trim(); kill('stopped'); }
        }, () => { /* the log does not exist yet */ });
      }, 200);
      child.stdout.setEncoding('latin1');
      child.stdout.on('data', (chunk: string) => {
        partial += chunk;
        const parts = partial.split('\n');
        partial = parts.pop()!;
        let progress = false;
        for (const raw of parts) {
          // Port E9 text shares stdout with the debugger's own lines, e.g. "(0).[TICKS] ...".
          const at = raw.indexOf('@@');
          if (at < 0) continue;
          const line = raw.slice(at + 2).trim();
          progress = true;
          if (line === 'BOOT' && ++boots > 1) { kill('reset'); return; }
          lines.push(line);
          if (line === 'DONE') status ??= 'done';
        }
        if (progress) arm();
      });
      child.stderr.setEncoding('latin1');
      child.stderr.on('data', (chunk: string) => { stderr = (stderr + chunk).slice(-2000); });
      const finish = () => {
        if (timer) clearTimeout(timer);
        clearInterval(watch);
        resolve({ status: status ?? 'exited', lines, stderrTail: stderr.trim(), ms: Date.now() - started, ...(stopReason ? { stopReason } : {}) });
      };
      child.on('error', (e) => { stderr += String(e.message); finish(); });
      child.on('close', finish);
    });
  } finally {
    // VTSPEC_BOCHS_KEEP=1 keeps the temp dir (bochsrc, images, bochs.log) for triage.
    if (process.env['VTSPEC_BOCHS_KEEP'] === '1') process.stderr.write(`vtspec: Bochs run kept in ${dir}\n`);
    else await rm(dir, { recursive: true, force: true });
  }
};

export type Availability = { readonly ok: true; readonly version: string } | { readonly ok: false; readonly reason: string };

const installed = (tool: string, args: readonly string[]): boolean => {
  const r = spawnSync(tool, [...args], { stdio: 'ignore', timeout: 10_000 });
  return !(r.error && (r.error as { code?: string }).code === 'ENOENT');
};

/** Bochs, its BIOS images and nasm are installed. */
export const bochsAvailable = (): Availability => {
  if (!installed('bochs', ['--help'])) return { ok: false, reason: 'bochs is not installed (Debian: apt-get install -y bochs bochsbios vgabios nasm)' };
  if (!installed('nasm', ['-v'])) return { ok: false, reason: 'nasm is not installed (Debian: apt-get install -y nasm)' };
  for (const f of [BIOS, VGABIOS]) if (!existsSync(f)) return { ok: false, reason: `${f} is missing (Debian: apt-get install -y bochsbios vgabios)` };
  const q = spawnSync('dpkg-query', ['-W', '-f', '${Version}', 'bochs'], { encoding: 'utf8' });
  const version = q.status === 0 && q.stdout.trim() !== '' ? `Bochs ${q.stdout.trim()}` : 'Bochs (version unknown)';
  return { ok: true, version };
};
