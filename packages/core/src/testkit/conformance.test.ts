// runPluginConformance: dispatch by kind, the include/exclude filters, and the failure summary.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { geometricPlugin } from '../schedules/index.js';
import { ConformanceError, runPluginConformance } from './index.js';

test('include runs only the named checks, exclude skips the named ones', async () => {
  const only = await runPluginConformance(geometricPlugin, { include: ['initial β'] });
  assert.deepEqual(
    only.map((r) => r.check),
    ['initial β'],
  );
  const rest = await runPluginConformance(geometricPlugin, { exclude: ['β ladder', 'level completion'] });
  assert.deepEqual(
    rest.map((r) => r.check),
    ['descriptor and schema-valid defaults', 'initial β', 'state round trip'],
  );
});

test('a failing check throws one ConformanceError listing each failure once', async () => {
  await assert.rejects(
    runPluginConformance(geometricPlugin, { options: { levels: 0 } }),
    (e: Error) =>
      e instanceof ConformanceError &&
      e.message.startsWith(
        'plugin "geometric" failed 1 conformance check(s):\n  - descriptor and schema-valid defaults: schema-valid defaults: plugin "geometric": options {"levels":0}',
      ),
  );
});
