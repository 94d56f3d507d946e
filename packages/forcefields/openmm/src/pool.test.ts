import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createOpenMMForceField } from './force-field.js';
import { liveChildCount } from './cleanup.js';
import { INPCRD, PRMTOP, jitter, needOpenMM } from './fixtures.test.helper.js';

function gone(pid: number): boolean {
  try {
    process.kill(pid, 0); // succeeds for a live process and for an unreaped zombie
    return false;
  } catch {
    return true;
  }
}

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('a child killed mid-request is reported, restarted, and its request retried', async (t) => {
  if (!needOpenMM(t)) return;
  const logs: string[] = [];
  const ff = await createOpenMMForceField({
    prmtop: PRMTOP,
    coordinates: INPCRD,
    solvent: 'obc2',
    log: (m) => logs.push(m),
  });
  try {
    const n = 2000;
    const x = jitter(ff.initialPositions!, n, 0.01);
    const ref = await ff.evaluate(x, n);
    const pending = ff.evaluate(x, n);
    const [pid] = ff.pool.busyPids();
    assert.ok(pid !== undefined, 'a request is in flight');
    process.kill(pid, 'SIGKILL');
    const r = await pending;
    assert.deepEqual(Array.from(r.energies), Array.from(ref.energies));
    assert.deepEqual(Array.from(r.forces), Array.from(ref.forces));
    assert.equal(ff.pool.restarts, 1);
    assert.match(logs.join('\n'), new RegExp(`child ${pid} killed by SIGKILL[\\s\\S]*retrying "evaluate" once`));
    assert.notEqual(ff.pool.pids()[0], pid);
    await until(() => gone(pid));
  } finally {
    await ff.dispose();
  }
});

test('a hanging child times out, is restarted, and the request fails loudly after one retry', async (t) => {
  if (!needOpenMM(t)) return;
  const logs: string[] = [];
  const ff = await createOpenMMForceField({
    prmtop: PRMTOP,
    coordinates: INPCRD,
    timeoutMs: 700,
    log: (m) => logs.push(m),
  });
  try {
    const x = jitter(ff.initialPositions!, 4, 0.01);
    const before = await ff.evaluate(x, 4);
    const first = ff.pool.pids()[0]!;
    await assert.rejects(ff.pool.run({ cmd: 'sleep', seconds: 60 }), (e: Error) => {
      assert.match(e.message, /failed on two children \(timeout\)/);
      assert.match(e.message, /attempt 1: .*did not answer "sleep" within 700 ms/);
      assert.match(e.message, /attempt 2: .*did not answer "sleep" within 700 ms/);
      return true;
    });
    assert.equal(ff.pool.restarts, 2);
    assert.match(logs.join('\n'), /restarting the child and retrying "sleep" once/);
    const after = await ff.evaluate(x, 4);
    assert.deepEqual(Array.from(after.energies), Array.from(before.energies));
    await until(() => gone(first));
  } finally {
    await ff.dispose();
  }
});

test('Python-side errors are not retried; queued requests all complete; dispose leaves no process', async (t) => {
  if (!needOpenMM(t)) return;
  const ff = await createOpenMMForceField({ prmtop: PRMTOP, coordinates: INPCRD, processes: 2 });
  const pids = ff.pool.pids();
  await assert.rejects(ff.pool.run({ cmd: 'no-such-command' }), /unknown command/);
  assert.equal(ff.pool.restarts, 0);
  // Ten calls at once through two children: a queue, at most one request per child.
  const x = jitter(ff.initialPositions!, 30, 0.01);
  const single = await ff.evaluate(x, 30);
  const calls = Array.from({ length: 10 }, (_, i) => ff.evaluate(x.subarray(i * 3 * 66, (i + 1) * 3 * 66), 3));
  assert.ok(ff.pool.busyPids().length <= 2);
  const parts = await Promise.all(calls);
  assert.deepEqual(
    parts.flatMap((p) => Array.from(p.energies)),
    Array.from(single.energies),
  );
  await ff.dispose();
  assert.ok(pids.every(gone), 'children exited and were reaped');
  assert.equal(liveChildCount(), 0);
  await assert.rejects(ff.evaluate(x, 30), /disposed/);
});
