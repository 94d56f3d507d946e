// Core's built-in molecular transforms through the transform conformance suite on alanine
// dipeptide (22 atoms): internal coordinates (60 → 66, log-Jacobian as ½ log det JᵀJ) and
// rigid-body removal (60 → 66, log-Jacobian 0), plus an internal-coordinates transform whose
// log-Jacobian is doubled, which must fail.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@embedcg/core/tf';
import { selectBackend } from '../backend.js';
import type { ForceField } from '../contracts/force-field.js';
import type { CoordinateTransform } from '../contracts/transform.js';
import { API_VERSION, defineTransform, type PluginContext } from '../plugin.js';
// Where core's molecular code lives; the one line to change when it moves.
import { internalCoordinatesPlugin, rigidBodyPlugin, type InternalCoordinatesPluginOptions } from '../index.js';
import { loadSystemJson, readPdb } from '../molecules/index.js';
import { checkTransformLogDet, runPluginConformance } from './index.js';

before(async () => {
  await selectBackend('wasm');
});

function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'nx.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

/** Alanine dipeptide's topology and starting structure; the transforms never evaluate energies. */
function alanineDipeptide(): ForceField {
  const dir = join(repoRoot(), 'examples', 'alanine-dipeptide');
  const pdb = readPdb(join(dir, 'ala2.pdb'));
  const bonds = loadSystemJson(join(dir, 'system-obc2.json')).bonds;
  return {
    name: 'alanine-dipeptide',
    dimension: 66,
    topology: { atoms: pdb.atoms, bonds },
    initialPositions: pdb.positions.slice(0, 66),
    evaluate() {
      throw new Error('the transform checks evaluate no energies');
    },
  };
}

const context: Partial<PluginContext> = { forceField: alanineDipeptide() };

test("core's internal-coordinates and rigid-body transforms pass the transform suite on alanine dipeptide", async () => {
  for (const p of [internalCoordinatesPlugin, rigidBodyPlugin]) {
    const results = await runPluginConformance(p, { context });
    assert.deepEqual(
      results.map((r) => [r.check, r.passed]),
      [
        ['descriptor and schema-valid defaults', true],
        ['create', true],
        ['transform round trip', true],
        ['log-Jacobian', true],
        ['float32 forward', true],
      ],
    );
    assert.equal(results[1]!.detail, '60 → 66 coordinates');
    assert.match(results[3]!.detail, /^5 configurations, J 66 × 60, max error\/tolerance /);
  }
});

test('an internal-coordinates transform with its log-Jacobian doubled fails the log-Jacobian check only', async () => {
  const scaled = (t: CoordinateTransform): CoordinateTransform => ({
    ...t,
    forward: (y) =>
      tf.tidy(() => {
        const r = t.forward(y);
        return { x: r.x, logDetJ: tf.mul(r.logDetJ, 2) as tf.Tensor1D };
      }),
    forward64: (y, n) => {
      const r = t.forward64(y, n);
      return { x: r.x, logDetJ: r.logDetJ.map((v) => 2 * v) };
    },
    inverse64: (x, n) => {
      const r = t.inverse64(x, n);
      return { y: r.y, logDetJ: r.logDetJ.map((v) => 2 * v) };
    },
  });
  const doubled = defineTransform<InternalCoordinatesPluginOptions>({
    ...internalCoordinatesPlugin,
    name: 'doubled-internal-coordinates',
    apiVersion: API_VERSION,
    create: async (o, c) => scaled(await internalCoordinatesPlugin.create(o, c)),
  });
  const results = await runPluginConformance(doubled, { context, throwOnFailure: false });
  assert.deepEqual(
    results.filter((r) => !r.passed).map((r) => r.check),
    ['log-Jacobian'],
  );
  const t = scaled(await internalCoordinatesPlugin.create({}, { configDir: '.', seed: 0, log: () => {}, ...context }));
  assert.throws(
    () => checkTransformLogDet(t, { forceField: context.forceField }),
    /log-Jacobian: internal-coordinates: configuration 0 \(the initial positions\): logDetJ -?[\d.]+ but ½ log det\(JᵀJ\) by finite differences/,
  );
});
