/**
 * Every command the top-level README shows a new user, run in order from a fresh clone, as they
 * would type them: the install-and-main-job line, then the `npx embedcg …` commands after it.
 * Left out: `bash .ci/run` (CI itself) and templates with placeholders (CONFIG, RUN, …).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, tempDir } from './support.mjs';

/**
 * The plugin-publishing walk-through's steps run in the author's own plugin package (and one of them
 * publishes to the registry), so they are templates here; test/third-party-plugin.test.mjs packs and
 * installs such a package for real.
 */
const PLUGIN_AUTHOR_STEPS = new Set(['npm publish', 'npm install embedcg-plugin-quartic', 'npm pack']);

/** Shell commands of the README, in order: lines of bash blocks and inline `npm …`/`npx …` spans. */
export function readmeCommands(markdown) {
  const out = [];
  const blocks = markdown.split(/^```/m);
  blocks.forEach((chunk, i) => {
    if (i % 2 === 1) {
      if (!chunk.startsWith('bash')) return;
      for (const line of chunk.split('\n').slice(1)) {
        const cmd = line.replace(/\s+#.*$/, '').trim();
        if (cmd && !cmd.startsWith('#')) out.push(cmd);
      }
      return;
    }
    for (const [, span] of chunk.matchAll(/`((?:npm|npx) [^`]+)`/g)) out.push(span);
  });
  // A placeholder is a word in capitals (CONFIG, RUN, FILE, N); `.ci/run` is CI itself.
  return out.filter(
    (c) =>
      !/\b[A-Z]{1,}[A-Z0-9_]*\b/.test(c.replace(/\.json|\.csv|\.dcd/g, '')) &&
      !c.includes('.ci/run') &&
      !PLUGIN_AUTHOR_STEPS.has(c),
  );
}

test('readmeCommands finds block lines and inline npx commands, not placeholders or .ci/run', () => {
  const md = [
    '```bash',
    '# a comment',
    'npm ci && npm run main   # → runs/dw',
    'bash .ci/run',
    '```',
    'After: `npx embedcg evaluate runs/dw`, `npx embedcg train CONFIG --out RUN`.',
    '```js',
    "import x from 'y';",
    '```',
  ].join('\n');
  assert.deepEqual(readmeCommands(md), ['npm ci && npm run main', 'npx embedcg evaluate runs/dw']);
});

test('the README commands run, in order, from a fresh clone', { timeout: 900_000 }, (t) => {
  const commands = readmeCommands(readFileSync(join(repoRoot, 'README.md'), 'utf8'));
  assert.ok(commands[0]?.startsWith('npm ci'), `the README starts with the install command: ${commands[0]}`);
  assert.ok(
    commands.some((c) => c.startsWith('npx embedcg')),
    'the README shows npx embedcg commands',
  );
  const clone = join(tempDir(t, 'embedcg-readme-'), 'embedcg');
  const c = spawnSync('git', ['clone', '-q', repoRoot, clone], { encoding: 'utf8' });
  assert.equal(c.status, 0, c.stderr);
  // The clone sits beside no shared/ folder; the README's commands need none.
  const env = {
    ...process.env,
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_prefer_offline: 'true',
  };
  for (const cmd of commands) {
    const r = spawnSync('bash', ['-c', cmd], { cwd: clone, env, encoding: 'utf8', timeout: 600_000 });
    assert.equal(r.status, 0, `\`${cmd}\` exited ${r.status}:\n${r.stderr.slice(-4000)}`);
  }
  // What the README says the commands leave behind.
  for (const f of [
    'runs/dw/metrics.json',
    'runs/dw/history.jsonl',
    'runs/dw/checkpoint',
    'runs/dw/report/index.html',
  ]) {
    assert.ok(existsSync(join(clone, f)), `${f} exists after the README's commands`);
  }
  const metrics = JSON.parse(readFileSync(join(clone, 'runs/dw/metrics.json'), 'utf8'));
  assert.ok(metrics.kl < 0.05, `the main job trains: KL ${metrics.kl}`);
});
