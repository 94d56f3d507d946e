/**
 * Training on the OpenMM engine, stopped the way a terminal stops it: Ctrl-C goes to the whole
 * process group, Python children included. The children leave SIGINT to their parent, which
 * writes a checkpoint and exits 130; a resume then continues. (A parent killed outright:
 * packages/forcefields/openmm/src/orphan.test.ts.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cliBin, repoRoot, runCli, tempDir, waitFor } from './support.mjs';

const hasOpenMM = spawnSync('/usr/bin/python3', ['-c', 'import openmm'], { stdio: 'ignore' }).status === 0;
const skip = !hasOpenMM && !process.env.EMBEDCG_REQUIRE_OPENMM ? 'OpenMM is not installed' : false;

/** A small model on alanine dipeptide evaluated by two OpenMM processes, with long training stages. */
function openmmConfig(dir) {
  const ex = join(repoRoot, 'examples', 'alanine-dipeptide');
  const cfg = {
    name: 'openmm-interrupt',
    seed: 4,
    forceField: {
      package: '@embedcg/forcefield-openmm',
      name: 'openmm',
      options: { systemJson: join(ex, 'system-vacuum.json'), coordinates: join(ex, 'ala2.pdb'), processes: 2 },
    },
    model: {
      package: '@embedcg/model-vae',
      name: 'vae',
      options: { latentDim: 2, decoderHidden: [16], encoderHidden: [16], encoderActivations: ['selu'] },
    },
    target: { temperature: 330 },
    training: { batchSize: 64, initialSteps: 100000, checkpointEvery: 1000000, forceCheck: { enabled: false } },
    evaluation: { samples: 256 },
  };
  const p = join(dir, 'openmm.json');
  writeFileSync(p, JSON.stringify(cfg));
  return p;
}

/** Start training in a process group of its own and wait until steps are being logged. */
async function startTraining(t, dir, run) {
  const child = spawn(process.execPath, [cliBin, 'train', openmmConfig(dir), '--out', run, '--no-progress'], {
    cwd: repoRoot,
    detached: true,
  });
  t.after(() => {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise((r) => child.on('exit', (code, signal) => r({ code, signal })));
  await waitFor(
    () =>
      existsSync(join(run, 'history.jsonl')) && readFileSync(join(run, 'history.jsonl'), 'utf8').split('\n').length > 3,
    60_000,
    'history lines',
  );
  return { child, exited, stderr: () => stderr };
}

test(
  'Ctrl-C to the process group checkpoints, exits 130, and the run resumes',
  { skip, timeout: 180_000 },
  async (t) => {
    const dir = tempDir(t);
    const run = join(dir, 'run');
    const { child, exited, stderr } = await startTraining(t, dir, run);
    process.kill(-child.pid, 'SIGINT');
    const { code } = await exited;
    assert.equal(code, 130, `exit code after Ctrl-C; stderr:\n${stderr()}`);
    const step = Number(/stopped at step (\d+)/.exec(stderr())?.[1]);
    assert.ok(step > 0, `the stop is reported with its step:\n${stderr()}`);
    const state = JSON.parse(readFileSync(join(run, 'checkpoint', 'state.json'), 'utf8'));
    assert.equal(state.step, step, 'the checkpoint holds the step training stopped at');
    const resumed = runCli(
      ['train', join(dir, 'openmm.json'), '--out', run, '--resume', '--max-steps', '2', '--no-progress'],
      {
        timeout: 120_000,
      },
    );
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.match(resumed.stderr, new RegExp(`resuming from step ${step}\\b`));
  },
);
