import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatPdb } from './pdb.js';
import { siblingPdb } from './sibling-pdb.js';

test("a DCD's sibling PDB gives its atoms when it holds as many; otherwise, and for other formats, nothing", (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'embedcg-sibling-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const atoms = ['N', 'CA'].map((name, i) => ({
    name,
    element: name[0]!,
    mass: 0,
    residueName: 'ALA',
    residueIndex: i,
  }));
  writeFileSync(
    join(dir, 'a.pdb'),
    formatPdb({ atoms, nFrames: 1, positions: new Float64Array([0, 0, 0, 0.15, 0, 0]) }),
  );
  const s = siblingPdb(join(dir, 'a.dcd'), 2);
  assert.deepEqual(
    s?.atoms.map((a) => a.name),
    ['N', 'CA'],
  );
  assert.equal(s?.from, join(dir, 'a.pdb'));
  assert.deepEqual([...s!.positions!], [0, 0, 0, 0.15, 0, 0]);
  assert.equal(siblingPdb(join(dir, 'a.dcd'), 3), undefined);
  assert.equal(siblingPdb(join(dir, 'b.dcd'), 2), undefined);
  assert.equal(siblingPdb(join(dir, 'a.xyz'), 2), undefined);
});
