import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { readRun, parseHistory } from './run-files.js';
import { HistoryTail } from './history-tail.js';
import { tmpDir, syntheticHistory } from './test-support/fixtures.js';

test('readRun reads config, metrics and history; metrics.json may be missing', () => {
  const dir = tmpDir();
  const history = syntheticHistory(10, 2);
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ name: 'r1', lr: 1e-3 }));
  writeFileSync(join(dir, 'history.jsonl'), history.map((r) => JSON.stringify(r)).join('\n') + '\n');
  const run = readRun(dir);
  assert.equal(run.config['name'], 'r1');
  assert.deepEqual(run.metrics, {});
  assert.deepEqual(run.history, history);
  writeFileSync(join(dir, 'metrics.json'), JSON.stringify({ kl: 0.1, note: 'x' }));
  assert.deepEqual(readRun(dir).metrics, { kl: 0.1, note: 'x' });
});

test('readRun names the file and line of bad input', () => {
  const dir = tmpDir();
  assert.throws(() => readRun(dir), /config\.json: cannot read \(ENOENT\)/);
  writeFileSync(join(dir, 'config.json'), '{"name": ');
  assert.throws(() => readRun(dir), /config\.json: not valid JSON/);
  writeFileSync(join(dir, 'config.json'), '[1]');
  assert.throws(() => readRun(dir), /config\.json: expected a JSON object/);
  writeFileSync(join(dir, 'config.json'), '{}');
  writeFileSync(join(dir, 'history.jsonl'), '{"type":"step"}\nnot json\n{"type":"step"}\n');
  assert.throws(() => readRun(dir), /history\.jsonl: line 2 is not valid JSON/);
});

test('parseHistory drops a partial last line that the trainer is still writing', () => {
  assert.equal(parseHistory('{"type":"step","step":0}\n{"type":"st').length, 1);
  assert.throws(() => parseHistory('{"type":"st\n'), /line 1 is not valid JSON/);
  assert.throws(() => parseHistory('3\n'), /line 1 must be a JSON object/);
});

test('HistoryTail reads appended lines only once, waits for complete lines, restarts on truncation', async () => {
  const dir = tmpDir();
  const file = join(dir, 'history.jsonl');
  const tail = new HistoryTail(file);
  assert.equal(await tail.poll(), 0, 'missing file is not an error');
  writeFileSync(file, '{"type":"step","step":0}\n{"type":"step","step":1}\n');
  assert.equal(await tail.poll(), 2);
  appendFileSync(file, '{"type":"step","st');
  assert.equal(await tail.poll(), 0);
  appendFileSync(file, 'ep":2}\n');
  assert.equal(await tail.poll(), 1);
  assert.deepEqual(
    tail.records.map((r) => (r as { step: number }).step),
    [0, 1, 2],
  );
  writeFileSync(file, '{"type":"step","step":9}\n');
  await tail.poll();
  assert.equal(tail.generation, 1);
  assert.deepEqual(
    tail.records.map((r) => (r as { step: number }).step),
    [9],
  );
});
