/**
 * Every numeric flag of every command is checked before any work: a value that is not a number,
 * not whole where it must be, or out of range is a usage error (exit 2) naming the flag. Before,
 * `--max-steps abc` was ignored and a full training ran, and `--max-steps -5` was accepted.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { assertCleanError, repoRoot, runCli, tempDir } from './support.mjs';

const config = join(repoRoot, 'examples', 'double-well.json');
const cases = [
  [['train', config, '--max-steps', 'abc'], /--max-steps takes a whole number ≥ 1, got something that is not a number/],
  [['train', config, '--max-steps', '-5'], /--max-steps takes a whole number ≥ 1, got -5/],
  [['train', config, '--serve', '--port', '99999'], /--port takes a whole number ≥ 0 ≤ 65535, got 99999/],
  [['sample', 'RUN', '-n', '2.5'], /--n takes a whole number ≥ 1, got 2\.5/],
  [['sample', 'RUN', '--seed', '-1'], /--seed takes a whole number ≥ 0, got -1/],
  [['evaluate', 'RUN', '-n', '0'], /--n takes a whole number ≥ 1, got 0/],
  [['evaluate', 'RUN', '--skip', '-3'], /--skip takes a whole number ≥ 0, got -3/],
  [['evaluate', 'RUN', '--stride', '1.5'], /--stride takes a whole number ≥ 1, got 1\.5/],
  [['report', 'RUN', '-n', 'x'], /--n takes a whole number ≥ 1/],
  [['cvs', 'RUN', '--coords', 'a.dcd', '--out', 'c.csv', '--stride', '0'], /--stride takes a whole number ≥ 1, got 0/],
  [['decode', 'RUN', '--grid', '1'], /--grid takes a whole number ≥ 2, got 1/],
  [['decode', 'RUN', '--range', '-2'], /--range takes a number > 0, got -2/],
  [['md', '--prmtop', 'p', '--coords', 'c', '--steps', '1e3.5', '--out', 'o.dcd'], /--steps takes a whole number/],
  [
    ['md', '--prmtop', 'p', '--coords', 'c', '--steps', '10', '--temperature', '-300', '--out', 'o.dcd'],
    /--temperature takes a number > 0, got -300/,
  ],
  [
    ['md', '--prmtop', 'p', '--coords', 'c', '--steps', '10', '--timestep', '0', '--out', 'o.dcd'],
    /--timestep takes a number > 0, got 0/,
  ],
];

for (const [args, message] of cases) {
  test(`embedcg ${args.join(' ')} is refused with exit 2`, (t) => {
    const cwd = tempDir(t);
    const out = join(cwd, 'run');
    const r = runCli(args[0] === 'train' ? [...args, '--out', out] : args, { cwd });
    assert.match(assertCleanError(r, 2), message);
    // Refused before any work: no run folder is left behind.
    assert.equal(existsSync(out), false);
  });
}

test('train --serve on a port another process holds is refused before any work, naming the port', async (t) => {
  const { createServer } = await import('node:net');
  const holder = createServer();
  await new Promise((r) => holder.listen(0, '127.0.0.1', r));
  t.after(() => holder.close());
  const port = holder.address().port;
  const cwd = tempDir(t);
  const out = join(cwd, 'run');
  const r = runCli(['train', config, '--out', out, '--serve', '--port', String(port)], { cwd });
  assert.match(
    assertCleanError(r, 2),
    new RegExp(`--port ${port}: cannot serve on 127\\.0\\.0\\.1:${port} \\(the port is in use\\)`),
  );
  assert.equal(existsSync(out), false, 'no run folder is left behind');
});
