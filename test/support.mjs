/** Shared helpers of the cross-package tests: repo paths, running the built CLI, temp folders. */
import { spawnSync } from 'node:child_process';
import { chmodSync, closeSync, existsSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';

/** The folder holding nx.json, found by walking up from this file. */
export const repoRoot = (() => {
  let d = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(d, 'nx.json'))) {
    const up = dirname(d);
    if (up === d) throw new Error('repository root (folder with nx.json) not found above test/');
    d = up;
  }
  return d;
})();

export const cliBin = join(repoRoot, 'packages', 'cli', 'dist', 'bin.js');

/**
 * Run `embedcg ARGS` (the workspace build, or `bin` when given) and capture its output; stdout
 * goes to the file `stdoutFile` instead when given (e.g. /dev/full).
 */
export function runCli(args, { cwd = repoRoot, bin = cliBin, timeout = 120_000, env = {}, stdoutFile } = {}) {
  const fd = stdoutFile === undefined ? undefined : openSync(stdoutFile, 'w');
  try {
    const r = spawnSync(process.execPath, [bin, ...args], {
      cwd,
      encoding: 'utf8',
      timeout,
      env: { ...process.env, EMBEDCG_DEBUG: '', ...env },
      stdio: ['pipe', fd ?? 'pipe', 'pipe'],
    });
    if (r.error) throw r.error;
    return { code: r.status, stdout: r.stdout, stderr: r.stderr, signal: r.signal };
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** A temp folder removed when the test ends. */
export function tempDir(t, prefix = 'embedcg-test-') {
  const d = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

/**
 * The CLI failed the way a user should see: the expected exit code, exactly one `error:` message
 * on stderr, and no stack trace.
 * @returns {string} the error message (from "error: " to the end of stderr)
 */
export function assertCleanError(r, code = 2) {
  assert.equal(r.code, code, `exit code ${r.code}, expected ${code}; stderr:\n${r.stderr}`);
  const errors = r.stderr.split('\n').filter((l) => /^error:/.test(l));
  assert.equal(errors.length, 1, `expected one "error:" message on stderr, got ${errors.length}:\n${r.stderr}`);
  assert.doesNotMatch(r.stderr, /^\s{4}at /m, `stderr holds a stack trace:\n${r.stderr}`);
  return r.stderr.slice(r.stderr.indexOf('error:'));
}

/** A double-well VAE config small enough to train a few steps in a second or two. */
export function tinyDoubleWellConfig(name = 'tiny-double-well', seed = 3) {
  return {
    name,
    seed,
    forceField: { package: '@embedcg/forcefield-analytic', name: 'double-well' },
    model: {
      package: '@embedcg/model-vae',
      name: 'vae',
      options: { latentDim: 1, decoderHidden: [8], encoderHidden: [8], encoderActivations: ['tanh'] },
    },
    schedule: { package: '@embedcg/core', name: 'kl-increase', options: { samples: 64 } },
    training: { batchSize: 16, initialSteps: 2, stepsPerLevel: 1, finalSteps: 2, historyEvery: 1 },
    evaluation: { samples: 100, batchSize: 100 },
  };
}

/** Poll `pred` every 100 ms until it returns something truthy (resolved with it), or fail after `ms`. */
export function waitFor(pred, ms, what) {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const tick = () => {
      const v = pred();
      if (v) return resolve(v);
      if (Date.now() - t0 > ms) return reject(new Error(`timed out waiting for ${what}`));
      setTimeout(tick, 100);
    };
    tick();
  });
}

/**
 * A python for EMBEDCG_PYTHON that runs the real OpenMM server but dies (exit 9) on every `cmd`
 * request (`evaluate`, `md`, `export`), as a server killed during the work would. Undefined when
 * /usr/bin/python3 cannot import OpenMM.
 */
export function dyingPython(dir, cmd) {
  const probe = spawnSync('/usr/bin/python3', ['-c', 'import openmm, numpy'], { encoding: 'utf8' });
  if (probe.status !== 0) return undefined;
  const fake = join(dir, `python-dying-on-${cmd}`);
  writeFileSync(
    fake,
    `#!/bin/sh
if [ "$1" = "-u" ]; then
  exec /usr/bin/python3 -u -c 'import os, runpy, sys
g = runpy.run_path(sys.argv[1], run_name="server")
g["Server"].cmd_${cmd} = lambda self, *a: os._exit(9)
g["Server"]().serve()' "$2"
fi
exec /usr/bin/python3 "$@"
`,
  );
  chmodSync(fake, 0o755);
  return fake;
}
