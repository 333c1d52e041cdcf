/**
 * `--impl cmd:"COMMAND"`: any emulator speaking the stdio adapter protocol (docs/adapter.md), JSON
 * lines over stdin/stdout. An adapter that crashes, hangs or prints garbage is contained: the vector
 * being run is reported as an adapter error, the adapter is restarted, and the run goes on.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { isLeft } from 'fp-ts/lib/Either.js';
import { InstructionCodec } from '../../spec/codec/instruction.js';
import { ObservationCodec } from '../../spec/codec/observation.js';
import { ProfileCodec } from '../../spec/codec/profile.js';
import { formatErrors } from '../../spec/codec/report.js';
import { encodeState } from '../../spec/codec/state.js';
import type { Vector } from '../../spec/vector/v1.js';
import type { Implementation, Report } from './implementation.js';

export const ADAPTER_PROTOCOL = 'vtspec-adapter/1';

export interface AdapterOptions {
  readonly command: string;
  readonly jobs: number;
  /** Per-vector timeout. */
  readonly timeoutMs: number;
  /** Time an adapter may take to start and answer the handshake (emulators can be slow to start). */
  readonly handshakeTimeoutMs?: number;
  /** Consecutive failed starts after which the adapter is given up. */
  readonly maxStartFailures?: number;
  readonly vtspecVersion: string;
}

class AdapterFailure extends Error {}

/** One adapter process: a line-oriented request/response channel with a timeout. */
class Channel {
  private readonly lines: string[] = [];
  private waiter: ((line: string | null) => void) | null = null;
  private exited: string | null = null;
  readonly child: ChildProcessWithoutNullStreams;

  constructor(command: string) {
    // Its own process group, so that killing it also kills what the shell started (an adapter is
    // usually `sh -c "python3 adapter.py …"`; killing only the shell would orphan the adapter).
    this.child = spawn(command, { shell: true, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    this.child.stdin.on('error', () => {}); // a dead adapter: reported through `exit`
    this.child.stderr.on('data', (d: Buffer) => process.stderr.write(`[adapter] ${d.toString()}`));
    createInterface({ input: this.child.stdout }).on('line', (line) => {
      if (this.waiter) {
        const w = this.waiter;
        this.waiter = null;
        w(line);
      } else this.lines.push(line);
    });
    this.child.on('exit', (code, signal) => {
      this.exited = signal ? `killed by signal ${signal}` : `exited with status ${code}`;
      if (this.waiter) {
        const w = this.waiter;
        this.waiter = null;
        w(null);
      }
    });
  }

  send(message: unknown): void {
    if (this.exited) throw new AdapterFailure(`adapter ${this.exited}`);
    this.child.stdin.write(`${JSON.stringify(message)}\n`);
  }

  async receive(timeoutMs: number): Promise<Record<string, unknown>> {
    const line = this.lines.shift() ?? await new Promise<string | null>((resolve) => {
      if (this.exited) return resolve(null);
      const timer = setTimeout(() => {
        this.waiter = null;
        resolve(undefined as unknown as null);
      }, timeoutMs);
      this.waiter = (l) => {
        clearTimeout(timer);
        resolve(l);
      };
    });
    if (line === undefined) throw new AdapterFailure(`adapter did not answer within ${timeoutMs} ms`);
    if (line === null) throw new AdapterFailure(`adapter ${this.exited ?? 'closed its output'}`);
    let u: unknown;
    try {
      u = JSON.parse(line);
    } catch {
      throw new AdapterFailure(`adapter printed a line that is not JSON: ${JSON.stringify(line.slice(0, 80))}`);
    }
    if (typeof u !== 'object' || u === null || Array.isArray(u)) throw new AdapterFailure(`adapter printed ${JSON.stringify(line.slice(0, 80))}, not a JSON object`);
    return u as Record<string, unknown>;
  }

  kill(): void {
    if (this.exited || this.child.pid === undefined) return;
    try {
      process.kill(-this.child.pid, 'SIGKILL');
    } catch {
      this.child.kill('SIGKILL');
    }
  }

  /** Waits up to `ms` for the adapter to exit by itself. */
  async waitForExit(ms: number): Promise<void> {
    if (this.exited) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}

const request = (v: Vector) => ({
  type: 'run',
  id: v.id,
  profile: typeof v.profile === 'string' ? v.profile : ProfileCodec.encode(v.profile),
  state: encodeState(v.state),
  operation: InstructionCodec.encode(v.operation),
});

const parseResult = (u: Record<string, unknown>, id: string): Report => {
  if (u['type'] !== 'result' || u['id'] !== id) {
    throw new AdapterFailure(`adapter answered ${JSON.stringify(u).slice(0, 100)}; expected {"type": "result", "id": "${id}", …}`);
  }
  if (typeof u['skip'] === 'string') return { kind: 'skip', reason: `adapter: ${u['skip']}` };
  const o = ObservationCodec.decode(u['observation']);
  if (isLeft(o)) throw new AdapterFailure(`adapter result for ${id}: ${formatErrors(o.left, 'observation').join('; ')}`);
  return { kind: 'observed', observation: o.right };
};

export const adapterImplementation = (o: AdapterOptions): Implementation => {
  const channels: Channel[] = [];
  const start = async (): Promise<{ channel: Channel; profiles: readonly string[] | null }> => {
    const channel = new Channel(o.command);
    channels.push(channel);
    try {
      channel.send({ type: 'hello', protocol: ADAPTER_PROTOCOL, vtspec: o.vtspecVersion, arch: 'vtx' });
      const hello = await channel.receive(Math.max(o.timeoutMs, o.handshakeTimeoutMs ?? 30_000));
      if (hello['type'] !== 'hello' || hello['protocol'] !== ADAPTER_PROTOCOL) {
        throw new AdapterFailure(`handshake: expected {"type": "hello", "protocol": "${ADAPTER_PROTOCOL}", …}, got ${JSON.stringify(hello).slice(0, 100)}`);
      }
      const profiles = Array.isArray(hello['profiles']) ? (hello['profiles'] as unknown[]).map(String) : null;
      return { channel, profiles };
    } catch (e) {
      channel.kill();
      throw e;
    }
  };

  return {
    name: `cmd:${o.command}`,
    run: async (vectors, onReport) => {
      let next = 0;
      let startFailures = 0;
      const worker = async () => {
        let current: Awaited<ReturnType<typeof start>> | null = null;
        while (next < vectors.length) {
          const i = next++;
          const v = vectors[i]!;
          if (startFailures >= (o.maxStartFailures ?? 3)) {
            onReport(i, { kind: 'error', reason: 'adapter could not be started (gave up after repeated failures)' });
            continue;
          }
          try {
            current ??= await start();
            startFailures = 0;
            if (current.profiles && typeof v.profile === 'string' && !current.profiles.includes(v.profile)) {
              onReport(i, { kind: 'skip', reason: `adapter implements only ${current.profiles.join(', ')}` });
              continue;
            }
            current.channel.send(request(v));
            onReport(i, parseResult(await current.channel.receive(o.timeoutMs), v.id));
          } catch (e) {
            if (!(e instanceof AdapterFailure)) throw e;
            if (current === null) startFailures++;
            onReport(i, { kind: 'error', reason: e.message });
            current?.channel.kill();
            current = null; // restart for the next vector
          }
        }
        if (current) {
          try {
            current.channel.send({ type: 'bye' });
          } catch {
            /* already gone */
          }
          // An adapter that ignores "bye" is killed after two seconds.
          await current.channel.waitForExit(2000);
          current.channel.kill();
        }
      };
      await Promise.all(Array.from({ length: Math.max(1, o.jobs) }, worker));
    },
    close: async () => {
      for (const c of channels) c.kill();
    },
  };
};
