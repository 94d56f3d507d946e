// A CommonJS require() of core's entries fails with a message saying how to load an ES module,
// not with ERR_REQUIRE_ESM or a missing-file error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { repoRoot } from './support.mjs';

for (const entry of ['@embedcg/core', '@embedcg/core/molecules', '@embedcg/core/testkit']) {
  test(`require('${entry}') says to use import`, () => {
    const r = spawnSync(process.execPath, ['-e', `require('${entry}')`], { cwd: repoRoot, encoding: 'utf8' });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /@embedcg\/core is an ES module and cannot be loaded with require\(\)/);
    assert.match(r.stderr, /await import\('@embedcg\/core'\)/);
  });
}
