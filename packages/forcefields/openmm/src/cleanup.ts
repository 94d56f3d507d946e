/**
 * Last-resort cleanup of Python children: on process exit, SIGTERM, and a SIGINT nobody else handles,
 * every live child is killed, so no server outlives its Node parent (the servers also exit on stdin EOF). The set is
 * keyed on a global symbol so two copies of this package still share one list and one hook.
 */
import type { ChildProcess } from 'node:child_process';

const KEY = Symbol.for('@embedcg/forcefield-openmm/children');
type Registry = { children: Set<ChildProcess>; hooked: boolean; stopping: boolean };
const g = globalThis as unknown as Record<symbol, Registry | undefined>;
const registry: Registry = (g[KEY] ??= { children: new Set(), hooked: false, stopping: false });

/** SIGKILL every live child; returns a promise that settles when Node has reaped them all. */
function killAll(): Promise<void> {
  registry.stopping = true;
  const waits: Array<Promise<void>> = [];
  for (const c of registry.children) {
    if (c.exitCode === null && c.signalCode === null) waits.push(new Promise((r) => c.once('exit', () => r())));
    try {
      c.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
  registry.children.clear();
  return Promise.all(waits).then(() => undefined);
}

function onSignal(signal: NodeJS.Signals): void {
  // A Ctrl-C that the application handles (embedcg train checkpoints, then disposes the force
  // field) must not lose it the children first; the exit hook stays the last resort.
  if (signal === 'SIGINT' && process.listeners('SIGINT').some((l) => l !== onSignal)) return;
  // We were only a bystander: reap the children (no zombies left behind), then, if nobody else
  // handles the signal, die of it as Node would have. Wait at most a second for the reaping.
  process.removeListener(signal, onSignal);
  const dieIfAlone = () => {
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  };
  const timer = setTimeout(dieIfAlone, 1000);
  void killAll().then(() => {
    clearTimeout(timer);
    dieIfAlone();
  });
}

function hook(): void {
  if (registry.hooked) return;
  registry.hooked = true;
  // At exit only synchronous work runs: the children are killed and init reaps them.
  process.on('exit', () => void killAll());
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

export function trackChild(c: ChildProcess): void {
  hook();
  registry.children.add(c);
  if (registry.stopping) c.kill('SIGKILL');
}

/** True once the process is being torn down (signal or exit): pools stop restarting children. */
export function shuttingDown(): boolean {
  return registry.stopping;
}

export function untrackChild(c: ChildProcess): void {
  registry.children.delete(c);
}

/** Number of live tracked children (tests check for leaks). */
export function liveChildCount(): number {
  return registry.children.size;
}
