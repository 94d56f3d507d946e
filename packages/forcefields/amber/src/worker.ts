/**
 * Worker-thread side of the evaluator pool: holds one Kernel, evaluates configuration ranges
 * of batches that live in SharedArrayBuffers, writes results in place.
 */
import { parentPort } from 'node:worker_threads';
import { Kernel, type TermArrays } from './kernel.js';
import type { CompiledSystem } from './compiled.js';
import type { WorkerRequest, WorkerReply } from './pool.js';

let kernel: Kernel | undefined;

parentPort!.on('message', (msg: WorkerRequest | { type: 'init'; system: CompiledSystem }) => {
  if (msg.type === 'init') {
    kernel = new Kernel(msg.system);
    return;
  }
  const reply: WorkerReply = { id: msg.id, overlaps: [] };
  try {
    if (!kernel) throw new Error('worker used before init');
    const positions = new Float64Array(msg.positions);
    const energies = new Float64Array(msg.energies);
    const forces = msg.forces ? new Float64Array(msg.forces) : undefined;
    let terms: TermArrays | undefined;
    if (msg.terms) {
      const t = Object.fromEntries(Object.entries(msg.terms).map(([k, b]) => [k, new Float64Array(b)]));
      terms = t as unknown as TermArrays;
    }
    kernel.evaluateRange(positions, msg.start, msg.end, energies, forces, terms, reply.overlaps);
  } catch (e) {
    reply.error = (e as Error).message;
  }
  parentPort!.postMessage(reply);
});
