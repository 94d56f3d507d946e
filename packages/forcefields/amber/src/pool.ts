/**
 * A small pool of worker threads, each with its own copy of the compiled system. Workers are
 * unref'd while idle so that an idle pool never keeps the process alive, and ref'd while they
 * hold a job so that an awaited evaluation is not cut short by process exit.
 */
import { Worker } from 'node:worker_threads';
import type { CompiledSystem } from './compiled.js';

/** A range of configurations for one worker; buffers are shared with the main thread. */
export interface WorkerRequest {
  type: 'run';
  id: number;
  positions: SharedArrayBuffer;
  energies: SharedArrayBuffer;
  forces?: SharedArrayBuffer;
  terms?: Record<string, SharedArrayBuffer>;
  start: number;
  end: number;
}

export interface WorkerReply {
  id: number;
  overlaps: number[];
  error?: string;
}

interface Slot {
  worker: Worker;
  pending: Map<number, { resolve: (r: WorkerReply) => void; reject: (e: Error) => void }>;
}

/**
 * Workers inherit execArgv, but refuse some of it: --input-type/--eval of the parent, and V8
 * options such as --max-old-space-size (ERR_WORKER_INVALID_EXEC_ARGV), which a user gives exactly
 * when inputs are large. Those are dropped; a worker refusing what is left starts without any.
 */
function startWorker(url: URL): Worker {
  const v8Only = /^--(max[-_]old[-_]space[-_]size|max[-_]semi[-_]space[-_]size|max[-_]heap[-_]size|stack[-_]size)\b/;
  const execArgv = process.execArgv.filter(
    (a) => !a.startsWith('--input-type') && a !== '-e' && a !== '--eval' && !v8Only.test(a),
  );
  try {
    return new Worker(url, { execArgv });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ERR_WORKER_INVALID_EXEC_ARGV') throw e;
    return new Worker(url, { execArgv: [] });
  }
}

export class EvaluatorPool {
  private readonly slots: Slot[] = [];
  private nextId = 0;
  private disposed = false;

  constructor(
    system: CompiledSystem,
    readonly size: number,
  ) {
    for (let k = 0; k < size; k++) {
      const worker = startWorker(new URL('./worker.js', import.meta.url));
      const slot: Slot = { worker, pending: new Map() };
      worker.on('message', (reply: WorkerReply) => {
        const p = slot.pending.get(reply.id);
        if (!p) return;
        slot.pending.delete(reply.id);
        if (slot.pending.size === 0) worker.unref();
        p.resolve(reply);
      });
      worker.on('error', (err) => this.failAll(slot, err));
      worker.on('exit', (code) => {
        if (!this.disposed) this.failAll(slot, new Error(`evaluator worker exited with code ${code}`));
      });
      worker.postMessage({ type: 'init', system });
      worker.unref();
      this.slots.push(slot);
    }
  }

  private failAll(slot: Slot, err: Error): void {
    for (const p of slot.pending.values()) p.reject(err);
    slot.pending.clear();
  }

  /** Run one request on worker `k`. */
  run(k: number, request: Omit<WorkerRequest, 'id' | 'type'>): Promise<WorkerReply> {
    if (this.disposed) return Promise.reject(new Error('evaluator pool already disposed'));
    const slot = this.slots[k]!;
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      slot.pending.set(id, { resolve, reject });
      slot.worker.ref();
      slot.worker.postMessage({ type: 'run', id, ...request } satisfies WorkerRequest);
    });
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await Promise.all(
      this.slots.map(async (s) => {
        this.failAll(s, new Error('evaluator pool disposed'));
        await s.worker.terminate();
      }),
    );
  }
}
