/**
 * `nx release --dry-run --skip-publish` works from this checkout and needs no network (it runs
 * with the network cut off where the kernel allows, else with npm pointed at a dead registry).
 * Skipped, with the reason, where git has no commit yet: nx reads versions and changes from git.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nxReleaseDryRun } from '../tools/check-packages.mjs';

test('nx release --dry-run --skip-publish succeeds offline with the current nx.json', (t) => {
  const r = nxReleaseDryRun();
  if (r.skipped) {
    t.skip(r.skipped);
    return;
  }
  assert.equal(r.ok, true, `exit ${r.code}${r.networkCut ? ' (network cut off)' : ''}:\n${r.output}`);
  assert.match(r.output, /dry-?run/i, 'nx says it is a dry run');
  assert.doesNotMatch(r.output, /deprecated/i, `nx.json uses deprecated settings:\n${r.output}`);
  for (const name of ['@embedcg/core', '@embedcg/cli', '@embedcg/model-vae'])
    assert.ok(r.output.includes(name), `${name} is a release project`);
});
