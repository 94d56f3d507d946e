/**
 * The code in packages/core/README.md that a user copies runs as written. A block marked
 * `<!-- test: NAME … -->` on the line before it is extracted and run here:
 *   - readme-trainrun: trainRun, openRun, drawSamples and essFraction on a tiny double-well config
 *     (written as dw.json, the file the example reads) in a fresh folder whose node_modules is the
 *     workspace's; then `embedcg evaluate runs/dw --json` reopens the run it made. The JSON config
 *     shown before the block passes `embedcg config`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, runCli, tempDir, tinyDoubleWellConfig } from './support.mjs';

const readme = readFileSync(join(repoRoot, 'packages', 'core', 'README.md'), 'utf8');

/** The fenced block (its language and body) right after the marker `<!-- test: name`. */
function markedBlock(name) {
  const at = readme.indexOf(`<!-- test: ${name}`);
  assert.ok(at >= 0, `packages/core/README.md has no block marked "<!-- test: ${name}"`);
  const m = /^[^\n]*-->\n```(\w+)\n([\s\S]*?)\n```/.exec(readme.slice(at));
  assert.ok(m, `the marker "${name}" is not followed by a fenced code block`);
  return { lang: m[1], code: m[2] };
}

/** The last fenced block of `lang` before the marker. */
function blockBefore(name, lang) {
  const before = readme.slice(0, readme.indexOf(`<!-- test: ${name}`));
  const all = [...before.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)\\n```', 'g'))];
  assert.ok(all.length > 0, `no ${lang} block before the marker "${name}"`);
  return all.at(-1)[1];
}

test("the core README's trainRun example trains a run that embedcg evaluate reopens", { timeout: 180_000 }, (t) => {
  const { lang, code } = markedBlock('readme-trainrun');
  assert.equal(lang, 'js');
  const dir = tempDir(t, 'embedcg-readme-');
  symlinkSync(join(repoRoot, 'node_modules'), join(dir, 'node_modules'), 'dir');
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'readme-example', private: true, type: 'module' }));

  writeFileSync(join(dir, 'shown.json'), blockBefore('readme-trainrun', 'json'));
  const shown = runCli(['config', 'shown.json'], { cwd: dir });
  assert.equal(shown.code, 0, `the README's dw.json does not resolve:\n${shown.stderr}`);

  writeFileSync(join(dir, 'dw.json'), JSON.stringify(tinyDoubleWellConfig('dw'), null, 2));
  writeFileSync(join(dir, 'example.mjs'), code);
  const r = spawnSync(process.execPath, ['example.mjs'], { cwd: dir, encoding: 'utf8', timeout: 150_000 });
  assert.equal(r.status, 0, `the example failed:\n${r.stderr}`);
  assert.match(r.stdout, /^done \d+ steps$/m);
  assert.match(r.stdout, /^log Z -?\d/m);
  const ess = Number(/^ESS fraction (\S+)$/m.exec(r.stdout)?.[1]);
  assert.ok(ess > 0 && ess <= 1, r.stdout);
  assert.match(r.stdout, /^\d+ history records$/m);

  const ev = runCli(['evaluate', 'runs/dw', '--json'], { cwd: dir });
  assert.equal(ev.code, 0, ev.stderr);
  const metrics = JSON.parse(ev.stdout);
  assert.ok(Number.isFinite(metrics.logZ) && Number.isFinite(metrics.ess), JSON.stringify(metrics));
});
