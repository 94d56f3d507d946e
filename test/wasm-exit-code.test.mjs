/**
 * A user's script that selects the wasm backend and then fails must fail as its own: exit code 1,
 * its error and its stack. tfjs-backend-wasm's Emscripten glue installs process-wide
 * `uncaughtException`/`unhandledRejection` listeners that rethrow, which made Node exit with code 7
 * and point at the glue's `throw ex`; core's selectBackend takes them off once the backend is up.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot, tempDir } from './support.mjs';

const core = pathToFileURL(join(repoRoot, 'packages', 'core', 'dist', 'index.js')).href;

/** Run a script that selects the wasm backend, prints its name, then runs `failure`. */
function runScript(t, name, failure) {
  const file = join(tempDir(t), name);
  writeFileSync(
    file,
    `import { selectBackend } from ${JSON.stringify(core)};\n` +
      `process.stdout.write((await selectBackend('wasm')) + '\\n');\n` +
      `${failure}\n`,
  );
  const r = spawnSync(process.execPath, [file], { encoding: 'utf8', timeout: 60_000 });
  return { ...r, file };
}

for (const [kind, name, failure, line] of [
  ['an uncaught error', 'throws.mjs', "throw new Error('the script failed');", 3],
  ['an unhandled rejection', 'rejects.mjs', "Promise.reject(new Error('the script failed'));", 3],
]) {
  test(`${kind} after selecting the wasm backend exits 1 with the script's own error and stack`, (t) => {
    const r = runScript(t, name, failure);
    assert.equal(r.stdout, 'wasm\n', `the wasm backend was not selected; stderr:\n${r.stderr}`);
    assert.equal(r.status, 1, `exit code ${r.status}; stderr:\n${r.stderr}`);
    assert.match(r.stderr, /^Error: the script failed$/m);
    assert.match(r.stderr, new RegExp(`^\\s+at .*${name.replace('.', '\\.')}:${line}:\\d+`, 'm'));
    assert.doesNotMatch(r.stderr, /tf-backend-wasm/);
  });
}
