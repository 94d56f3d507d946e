/**
 * A pool of Python OpenMM servers with a queue (backpressure: at most one request in flight per
 * child), per-request timeouts, and restart + one retry when a child dies or hangs.
 *
 * Every child is initialised with the same `init` request, so any child can serve any request.
 * A request whose child fails is retried once on a fresh child; a second failure rejects it with
 * both reasons. Requests are never dropped silently: dispose() rejects whatever is still queued.
 */
import { ChildFailure, OpenMMChild } from './child.js';
import type { Frame } from './protocol.js';
import { shuttingDown } from './cleanup.js';

export interface PoolOptions {
  python: string;
  /** Number of child processes. */
  size: number;
  /** Timeout of each request, ms (init gets max(timeoutMs, 120 s): importing OpenMM can be slow). */
  timeoutMs: number;
  /** The request that builds the system in a fresh child. */
  init: { header: Record<string, unknown>; arrays?: Record<string, Float64Array> };
  /** Where restarts and failures are reported. */
  log?: (message: string) => void;
  label?: string;
}

interface Job {
  header: Record<string, unknown>;
  arrays: Record<string, Float64Array>;
  timeoutMs: number;
  failures: string[];
  resolve(f: Frame): void;
  reject(e: Error): void;
}

interface Slot {
  index: number;
  child?: OpenMMChild;
  state: 'starting' | 'idle' | 'busy' | 'dead';
  consecutiveStartFailures: number;
}

const MAX_START_FAILURES = 3;

export class OpenMMPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private closed = false;
  private broken: Error | undefined;
  /** Response of the first successful init (topology, terms, positions…). */
  initFrame: Frame | undefined;
  /** Children restarted after a crash or hang. */
  restarts = 0;

  constructor(private readonly opts: PoolOptions) {}

  private get label(): string {
    return this.opts.label ?? 'openmm';
  }

  private log(message: string): void {
    (this.opts.log ?? ((m: string) => process.stderr.write(`${m}\n`)))(message);
  }

  /** Start every child and wait until all are initialised; throws the first init error. */
  async start(): Promise<Frame> {
    for (let i = 0; i < this.opts.size; i++)
      this.slots.push({ index: i, state: 'starting', consecutiveStartFailures: 0 });
    const results = await Promise.allSettled(this.slots.map((s) => this.startSlot(s)));
    const bad = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (bad) {
      await this.dispose();
      throw bad.reason;
    }
    this.pump();
    return this.initFrame!;
  }

  private async startSlot(slot: Slot): Promise<void> {
    slot.state = 'starting';
    const child = new OpenMMChild(this.opts.python, this.label);
    slot.child = child;
    const frame = await child.request(this.opts.init.header, this.opts.init.arrays ?? {}, {
      timeoutMs: Math.max(this.opts.timeoutMs, 120_000),
    });
    this.initFrame ??= frame;
    slot.consecutiveStartFailures = 0;
    slot.state = 'idle';
    // A child that dies while idle is replaced at once rather than at its next request.
    void child.exited.then(() => {
      if (slot.child === child && slot.state === 'idle' && !this.closed && !shuttingDown()) {
        this.log(
          `${this.label}: idle child ${child.pid} died${child.stderrTail ? `\n--- stderr tail ---\n${child.stderrTail}` : ''}; restarting it`,
        );
        this.restart(slot);
      }
    });
  }

  /** Pids of the live children, in slot order (tests kill them). */
  pids(): number[] {
    return this.slots.map((s) => s.child?.pid).filter((p): p is number => p !== undefined);
  }

  /** Pids of children with a request in flight. */
  busyPids(): number[] {
    return this.slots.filter((s) => s.state === 'busy').map((s) => s.child!.pid!);
  }

  get size(): number {
    return this.opts.size;
  }

  /** Queue one request; resolves with its response frame. */
  run(
    header: Record<string, unknown>,
    arrays: Record<string, Float64Array> = {},
    timeoutMs = this.opts.timeoutMs,
  ): Promise<Frame> {
    if (this.closed) return Promise.reject(new Error(`${this.label}: the force field was disposed`));
    if (this.broken) return Promise.reject(this.broken);
    return new Promise<Frame>((resolve, reject) => {
      this.queue.push({ header, arrays, timeoutMs, failures: [], resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    for (const slot of this.slots) {
      if (this.queue.length === 0) return;
      if (slot.state !== 'idle') continue;
      this.dispatch(slot, this.queue.shift()!);
    }
  }

  private dispatch(slot: Slot, job: Job): void {
    slot.state = 'busy';
    const child = slot.child!;
    child.request(job.header, job.arrays, { timeoutMs: job.timeoutMs }).then(
      (frame) => {
        slot.state = 'idle';
        job.resolve(frame);
        this.pump();
      },
      (err: Error) => {
        if (!(err instanceof ChildFailure)) {
          slot.state = 'idle';
          job.reject(err);
          this.pump();
          return;
        }
        job.failures.push(err.message);
        const cmd = String(job.header.cmd);
        if (this.closed || shuttingDown()) {
          job.reject(
            new Error(
              `${this.label}: "${cmd}" interrupted by ${this.closed ? 'dispose()' : 'process shutdown'}: ${err.message}`,
            ),
          );
          return;
        } else if (job.failures.length >= 2) {
          job.reject(
            new Error(
              `${this.label}: request "${cmd}" failed on two children (${err.kind === 'timeout' ? 'timeout' : 'child died'}).\n` +
                job.failures.map((f, i) => `attempt ${i + 1}: ${f}`).join('\n'),
            ),
          );
        } else {
          this.log(`${this.label}: ${err.message}\n${this.label}: restarting the child and retrying "${cmd}" once`);
          this.queue.unshift(job);
        }
        this.restart(slot);
      },
    );
  }

  private restart(slot: Slot): void {
    if (this.closed || shuttingDown()) return;
    slot.state = 'dead';
    this.restarts++;
    const old = slot.child;
    old?.kill();
    this.startSlot(slot).then(
      () => this.pump(),
      (err: Error) => {
        slot.consecutiveStartFailures++;
        slot.child?.kill();
        if (this.closed) return;
        if (slot.consecutiveStartFailures >= MAX_START_FAILURES) {
          slot.state = 'dead';
          if (this.slots.every((s) => s.state === 'dead')) {
            this.broken = new Error(
              `${this.label}: every child failed to restart ${MAX_START_FAILURES} times; last error: ${err.message}`,
            );
            for (const job of this.queue.splice(0)) job.reject(this.broken);
          }
          this.log(`${this.label}: giving up on child slot ${slot.index}: ${err.message}`);
        } else {
          this.log(`${this.label}: restart of child slot ${slot.index} failed (${err.message}); trying again`);
          this.restart(slot);
        }
      },
    );
  }

  /** Reject queued requests, stop every child and wait for them to exit (no zombies). */
  async dispose(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const err = new Error(`${this.label}: the force field was disposed`);
    for (const job of this.queue.splice(0)) job.reject(err);
    await Promise.all(this.slots.map((s) => s.child?.close()));
  }
}
