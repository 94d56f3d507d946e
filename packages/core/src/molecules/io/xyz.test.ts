import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseXyz, formatXyz } from './xyz.js';

test('XYZ round trip of two frames', () => {
  const text = '2\nwater-ish\nO 0.0 0.0 0.0\nH 0.9572 0.0 0.0\n2\nsecond\nO 1.0 0.0 0.0\nH 1.9572 0.0 0.5\n';
  const f = parseXyz(text, 'w.xyz');
  assert.equal(f.nFrames, 2);
  assert.deepEqual(
    f.atoms.map((a) => a.element),
    ['O', 'H'],
  );
  assert.ok(Math.abs(f.positions[3]! - 0.09572) < 1e-12);
  const back = parseXyz(formatXyz(f));
  for (let k = 0; k < f.positions.length; k++) assert.ok(Math.abs(back.positions[k]! - f.positions[k]!) < 1e-7);
});

test('truncated or malformed XYZ names the file and line', () => {
  assert.throws(
    () => parseXyz('3\nc\nO 0 0 0\nH 1 0 0\n', 'cut.xyz'),
    /cut\.xyz: truncated: frame 0 announces 3 atoms/,
  );
  assert.throws(() => parseXyz('1\nc\nO 0 zero 0\n', 'bad.xyz'), /bad\.xyz: line 3: expected "element x y z"/);
  assert.throws(() => parseXyz('two\n', 'n.xyz'), /n\.xyz: line 1: expected the atom count/);
});
