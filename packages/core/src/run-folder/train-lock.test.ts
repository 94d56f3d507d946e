import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../errors.js';
import { acquireTrainLock } from './train-lock.js';

function lockPath(t: { after: (f: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'embedcg-lock-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'train.lock');
}

test('the lock names its holder; a second taker is refused until it is released', (t) => {
  const path = lockPath(t);
  const release = acquireTrainLock(path, 'RUN');
  const held = JSON.parse(readFileSync(path, 'utf8'));
  assert.equal(held.pid, process.pid);
  assert.equal(held.hostname, hostname());
  assert.throws(
    () => acquireTrainLock(path, 'RUN'),
    (e: unknown) => e instanceof InputError && e.message.includes(`RUN is being trained by process ${process.pid}`),
  );
  release();
  assert.ok(!existsSync(path));
  acquireTrainLock(path, 'RUN')();
});

test('a lock whose process is gone is taken over; one from another machine is refused', (t) => {
  const path = lockPath(t);
  const gone = spawnSync(process.execPath, ['-e', '']).pid;
  assert.ok(gone > 0);
  writeFileSync(path, JSON.stringify({ pid: gone, hostname: hostname(), started: '2026-01-01T00:00:00Z' }));
  const release = acquireTrainLock(path, 'RUN');
  assert.equal(JSON.parse(readFileSync(path, 'utf8')).pid, process.pid, 'the stale lock was replaced');
  release();
  writeFileSync(path, 'not json');
  acquireTrainLock(path, 'RUN')();
  writeFileSync(path, JSON.stringify({ pid: 1, hostname: 'elsewhere', started: '2026-01-01T00:00:00Z' }));
  assert.throws(
    () => acquireTrainLock(path, 'RUN'),
    (e: unknown) => e instanceof InputError && /process 1 on elsewhere/.test(e.message) && e.message.includes(path),
  );
});
