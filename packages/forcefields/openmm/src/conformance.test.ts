// The `openmm` plugin through core's force-field conformance suite on the shared alanine
// dipeptide files (prmtop + inpcrd, vacuum and OBC2). Skipped without OpenMM, required when
// EMBEDCG_REQUIRE_OPENMM=1 (CI).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runPluginConformance } from '@embedcg/core/testkit';
import { openmmForceFieldPlugin } from './plugin.js';
import { ALA, needOpenMM } from './fixtures.test.helper.js';

test("the openmm plugin passes core's force-field conformance suite (vacuum and OBC2)", async (t) => {
  if (!needOpenMM(t)) return;
  for (const solvent of ['vacuum', 'obc2']) {
    const results = await runPluginConformance(openmmForceFieldPlugin, {
      options: {
        prmtop: 'alanine-dipeptide-implicit.prmtop',
        coordinates: 'alanine-dipeptide-implicit.inpcrd',
        solvent,
      },
      context: { configDir: ALA },
      throwOnFailure: false,
    });
    const failed = results.filter((r) => !r.passed);
    assert.deepEqual(failed, [], `${solvent}: ${JSON.stringify(failed)}`);
    assert.deepEqual(
      results.map((r) => r.check),
      [
        'descriptor and schema-valid defaults',
        'output shapes',
        'finite output',
        'forces vs finite differences',
        'batch invariance',
        'bad input',
        'determinism',
      ],
    );
    // 7 probe configurations (a molecule: no box), every one of the 66 coordinates differenced.
    assert.match(results[3]!.detail, /over 7 configurations × 66 coordinates$/);
  }
});
