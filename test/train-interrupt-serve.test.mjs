// Ctrl-C during training writes a checkpoint and stops cleanly; --serve answers on loopback while
// training runs (both need the trainer to yield to the event loop every step).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cliBin, repoRoot, tempDir, waitFor } from './support.mjs';

function smallConfig(dir) {
  const cfg = JSON.parse(readFileSync(join(repoRoot, 'examples', 'double-well.json'), 'utf8'));
  delete cfg.$schema;
  cfg.model.options = { ...cfg.model.options, decoderHidden: [16], encoderHidden: [16], encoderActivations: ['selu'] };
  cfg.training = { ...cfg.training, batchSize: 64, initialSteps: 100000, checkpointEvery: 1000000 };
  const p = join(dir, 'dw.json');
  writeFileSync(p, JSON.stringify(cfg));
  return p;
}

test('SIGINT checkpoints and stops; --serve answers on 127.0.0.1 meanwhile', { timeout: 90_000 }, async (t) => {
  const dir = tempDir(t);
  const run = join(dir, 'run');
  const child = spawn(process.execPath, [cliBin, 'train', smallConfig(dir), '--out', run, '--no-progress', '--serve'], {
    cwd: repoRoot,
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise((r) => child.on('exit', (code, signal) => r({ code, signal })));
  const url = await waitFor(() => /http:\/\/127\.0\.0\.1:\d+\//.exec(stderr)?.[0], 30_000, 'the live-view URL');
  await waitFor(
    () =>
      existsSync(join(run, 'history.jsonl')) && readFileSync(join(run, 'history.jsonl'), 'utf8').split('\n').length > 3,
    30_000,
    'history lines',
  );
  const res = await fetch(`${url}api/history?since=0`, { signal: AbortSignal.timeout(5000) });
  assert.equal(res.status, 200);
  const body = await res.json();
  assert.ok(body.records.length >= 2, 'the live view serves the history written so far');
  assert.equal(body.records[0].type, 'step');
  // A second trainer into the same folder while the first one runs would interleave both runs'
  // history and checkpoints: a resume, or a new run with --force, is refused naming the process.
  for (const flag of ['--resume', '--force']) {
    const second = spawnSync(
      process.execPath,
      [cliBin, 'train', smallConfig(dir), '--out', run, '--no-progress', flag],
      {
        cwd: repoRoot,
        encoding: 'utf8',
      },
    );
    assert.equal(second.status, 2, `${flag} while training: exit 2; stderr:\n${second.stderr}`);
    assert.match(second.stderr, new RegExp(`is being trained by process ${child.pid}\\b`));
  }
  child.kill('SIGINT');
  const { code } = await exited;
  assert.equal(code, 130, `exit code after SIGINT (130, so a chained command stops); stderr:\n${stderr}`);
  assert.match(stderr, /stopped at step (\d+)/);
  const step = Number(/stopped at step (\d+)/.exec(stderr)[1]);
  const state = JSON.parse(readFileSync(join(run, 'checkpoint', 'state.json'), 'utf8'));
  assert.equal(state.step, step, 'the checkpoint holds the step training stopped at');
  assert.ok(step > 0);
  assert.ok(!existsSync(join(run, 'train.lock')), 'the lock goes with the run that held it');
});
