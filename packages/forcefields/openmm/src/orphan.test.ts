// A server whose Node parent is SIGKILLed in the middle of a request exits within 5 s: it cannot
// wait for the end of its input (the request may run for a minute), so it watches its parent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { needOpenMM } from './fixtures.test.helper.js';

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

test('a server orphaned mid-request exits within 5 s', { timeout: 60_000 }, async (t) => {
  if (!needOpenMM(t)) return;
  const script = `
    import { OpenMMChild } from ${JSON.stringify(new URL('./child.js', import.meta.url).href)};
    const child = new OpenMMChild('/usr/bin/python3', 'orphan-test');
    await child.request({ cmd: 'sleep', seconds: 0 });
    console.log(child.proc.pid);
    await child.request({ cmd: 'sleep', seconds: 120 });
  `;
  const parent = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => parent.kill('SIGKILL'));
  const pid = await new Promise<number>((resolve, reject) => {
    parent.stdout.on('data', (d: Buffer) => resolve(Number(d.toString().trim())));
    parent.on('exit', (code) => reject(new Error(`the parent script exited (${code}) before the server started`)));
  });
  t.after(() => {
    if (alive(pid)) process.kill(pid, 'SIGKILL');
  });
  // The 120 s request is in flight; then the parent dies without a word.
  await new Promise((r) => setTimeout(r, 500));
  assert.ok(alive(pid), 'the server is running the request');
  parent.kill('SIGKILL');
  const t0 = Date.now();
  while (alive(pid) && Date.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 100));
  assert.equal(alive(pid), false, `the orphaned server still runs ${Date.now() - t0} ms after its parent died`);
});
