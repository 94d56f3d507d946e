/**
 * One trainer per run folder. Two processes training into one folder would interleave their
 * history lines and overwrite each other's checkpoints; a resume started while the first run still
 * goes (an easy slip with runs that take an hour) must therefore be refused, naming the process.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { InputError } from '../errors.js';

interface LockFile {
  pid: number;
  hostname: string;
  started: string;
}

/** Whether a process with this id runs on this machine (EPERM: it runs, under another user). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readLock(path: string): LockFile | undefined {
  try {
    const v = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockFile>;
    if (typeof v.pid === 'number' && typeof v.hostname === 'string') return v as LockFile;
  } catch {
    // Unreadable or half-written: treated as stale, as a lock nobody can prove is held.
  }
  return undefined;
}

/**
 * Take the training lock at `path` (RUN/train.lock) for this process; returns its release. A lock
 * held by a live process, or by a process on another machine (whose liveness cannot be checked
 * from here), is refused with an InputError naming it; a stale one is taken over.
 */
export function acquireTrainLock(path: string, runDir: string): () => void {
  const mine: LockFile = { pid: process.pid, hostname: hostname(), started: new Date().toISOString() };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(path, JSON.stringify(mine), { flag: 'wx' });
      let released = false;
      return () => {
        if (released) return;
        released = true;
        if (readLock(path)?.pid === mine.pid) rmSync(path, { force: true });
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const held = readLock(path);
    if (held && held.hostname !== mine.hostname)
      throw new InputError(
        `${runDir} is being trained by process ${held.pid} on ${held.hostname} (since ${held.started}); ` +
          `wait for it, or delete ${path} if that run is gone`,
        path,
      );
    if (held && alive(held.pid))
      throw new InputError(
        `${runDir} is being trained by process ${held.pid} (since ${held.started}); ` +
          `stop it first (Ctrl-C checkpoints), then resume with --resume`,
        path,
      );
    rmSync(path, { force: true });
  }
  throw new InputError(`${runDir}: could not take ${path}; another process keeps recreating it`, path);
}
