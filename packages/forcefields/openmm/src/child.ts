/**
 * One Python OpenMM server process: spawn, one request at a time, stderr tail, kill.
 *
 * A child that dies or exceeds its request's timeout fails that request with a
 * {@link ChildFailure} (retryable: the pool restarts the child and retries); an error raised by
 * Python while handling a request is a {@link OpenMMRequestError} (not retryable: bad input or an
 * OpenMM exception, the same on any child).
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { encodeFrame, FrameDecoder, type Frame } from './protocol.js';
import { SERVER_SCRIPT } from './python.js';
import { trackChild, untrackChild } from './cleanup.js';

const STDERR_TAIL_BYTES = 4000;

/** The child died or hung; the request may be retried on a fresh child. */
export class ChildFailure extends Error {
  override name = 'ChildFailure';
  constructor(
    message: string,
    readonly kind: 'died' | 'timeout',
    readonly stderrTail: string,
  ) {
    super(message);
  }
}

/** The Python side reported an error for this request (bad input, OpenMM exception). */
export class OpenMMRequestError extends Error {
  override name = 'OpenMMRequestError';
  constructor(
    message: string,
    /** 'input' when the user's input was bad (an unknown residue or force-field file). */
    readonly kind?: string,
  ) {
    super(message);
    // The CLI maps errors named InputError to exit code 2 (bad input), without importing this package.
    if (kind === 'input') this.name = 'InputError';
  }
}

interface Pending {
  id: number;
  cmd: string;
  resolve(f: Frame): void;
  reject(e: Error): void;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- event headers are JSON from the Python server
  onEvent?: (header: Record<string, any>) => void;
  timer?: NodeJS.Timeout;
}

export interface RequestOptions {
  /** Fail (and kill the child) when no response came within this many ms; 0 = no limit. */
  timeoutMs?: number;
  /** Called with event frames (e.g. md progress) that precede the response. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- as above
  onEvent?: (header: Record<string, any>) => void;
}

export class OpenMMChild {
  readonly proc: ChildProcessWithoutNullStreams;
  private readonly decoder = new FrameDecoder();
  private pending: Pending | undefined;
  private nextId = 1;
  private tail = '';
  private exitInfo: string | undefined;
  /** close() waits for the exit: a request settling meanwhile must not unref the child. */
  private closing = false;
  readonly exited: Promise<void>;

  constructor(
    python: string,
    private readonly label = 'openmm',
  ) {
    this.proc = spawn(python, ['-u', SERVER_SCRIPT], { stdio: ['pipe', 'pipe', 'pipe'] });
    trackChild(this.proc);
    this.proc.stdin.on('error', () => {
      // EPIPE after the child died: reported through 'exit' below.
    });
    this.proc.stderr.on('data', (d: Buffer) => {
      this.tail = (this.tail + d.toString('utf8')).slice(-STDERR_TAIL_BYTES);
      if (process.env.EMBEDCG_OPENMM_DEBUG)
        process.stderr.write(`[${this.label} ${this.proc.pid}] ${d.toString('utf8')}`);
    });
    this.proc.stdout.on('data', (d: Buffer) => this.onData(d));
    this.exited = new Promise((resolve) => {
      this.proc.on('exit', (code, signal) => {
        untrackChild(this.proc);
        this.exitInfo = signal ? `killed by ${signal}` : `exited with code ${code}`;
      });
      // 'close' comes after stdout/stderr are drained, so the stderr tail holds the last words.
      this.proc.on('close', () => {
        this.exitInfo ??= 'exited';
        this.failPending('died', `${this.label} child ${this.proc.pid} ${this.exitInfo}`);
        resolve();
      });
      this.proc.on('error', (err) => {
        untrackChild(this.proc);
        this.exitInfo ??= `failed to start: ${err.message}`;
        this.failPending('died', `${this.label} child could not start (${err.message})`);
        resolve();
      });
    });
    this.setActive(false);
  }

  get pid(): number | undefined {
    return this.proc.pid;
  }

  get alive(): boolean {
    return this.exitInfo === undefined;
  }

  get busy(): boolean {
    return this.pending !== undefined;
  }

  /** The last few KB the child wrote to stderr (for error reports). */
  get stderrTail(): string {
    return this.tail.trim();
  }

  /** Send one request; resolves with the response frame. One request at a time. */
  request(
    header: Record<string, unknown>,
    arrays: Record<string, Float64Array> = {},
    options: RequestOptions = {},
  ): Promise<Frame> {
    if (this.pending)
      return Promise.reject(new Error(`${this.label}: child ${this.pid} already has a request in flight`));
    if (!this.alive)
      return Promise.reject(
        new ChildFailure(`${this.label} child ${this.pid} ${this.exitInfo}`, 'died', this.stderrTail),
      );
    const id = this.nextId++;
    const cmd = String(header.cmd);
    return new Promise<Frame>((resolve, reject) => {
      const p: Pending = { id, cmd, resolve, reject, onEvent: options.onEvent };
      this.pending = p;
      if (options.timeoutMs && options.timeoutMs > 0) {
        p.timer = setTimeout(() => {
          this.failPending(
            'timeout',
            `${this.label} child ${this.pid} did not answer "${cmd}" within ${options.timeoutMs} ms`,
          );
          this.kill();
        }, options.timeoutMs);
      }
      this.setActive(true);
      for (const b of encodeFrame({ ...header, id }, arrays)) this.proc.stdin.write(b);
    });
  }

  private onData(d: Buffer): void {
    let frames: Frame[];
    try {
      frames = this.decoder.push(d);
    } catch (e) {
      this.failPending('died', (e as Error).message);
      this.kill();
      return;
    }
    for (const f of frames) {
      const p = this.pending;
      if (!p || f.header.id !== p.id) continue; // a late answer to a request that already timed out
      if (f.header.event !== undefined) {
        p.onEvent?.(f.header);
        continue;
      }
      this.settle();
      if (f.header.ok) p.resolve(f);
      else
        p.reject(
          new OpenMMRequestError(
            String(f.header.error ?? 'unknown error'),
            typeof f.header.kind === 'string' ? f.header.kind : undefined,
          ),
        );
    }
  }

  private settle(): void {
    if (this.pending?.timer) clearTimeout(this.pending.timer);
    this.pending = undefined;
    this.setActive(false);
  }

  private failPending(kind: 'died' | 'timeout', message: string): void {
    const p = this.pending;
    if (!p) return;
    this.settle();
    const tail = this.stderrTail;
    p.reject(new ChildFailure(`${message}${tail ? `\n--- stderr tail ---\n${tail}` : ''}`, kind, tail));
  }

  /**
   * Keep Node's event loop alive only while a request is in flight, so that a script that
   * forgets dispose() still exits (the exit hook then kills the idle children).
   */
  private setActive(active: boolean): void {
    const m = active || this.closing ? 'ref' : 'unref';
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- stdio streams of several types share ref/unref
    for (const s of [this.proc.stdout, this.proc.stderr, this.proc.stdin] as any[]) s?.[m]?.();
    this.proc[m]();
  }

  /** Hard kill (SIGKILL); the 'exit' handler reaps it and fails any pending request. */
  kill(): void {
    if (this.alive) this.proc.kill('SIGKILL');
  }

  /** Polite shutdown: ask the server to exit, close stdin, SIGKILL after `graceMs`. */
  async close(graceMs = 2000): Promise<void> {
    if (!this.alive) return this.exited;
    // Without this, a request answered during the grace period unref'd the child; the grace
    // timer's kill then left nothing to wait for, and a CLI awaiting dispose() exited with code 13.
    this.closing = true;
    this.setActive(true);
    if (!this.pending) {
      try {
        for (const b of encodeFrame({ cmd: 'exit', id: 0 })) this.proc.stdin.write(b);
      } catch {
        // stdin already closed
      }
    }
    this.proc.stdin.end();
    const timer = setTimeout(() => this.kill(), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}
