// close() must keep the process alive until the child is gone, even when the request in flight is
// answered during the grace period: the answer unref'd the child, the grace timer killed it, and
// nothing was left to wait for its exit, so `embedcg energy` ended with exit code 13 and no message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { needOpenMM } from './fixtures.test.helper.js';

test('close() waits for a child that answers its last request, then lingers past the grace period', (t) => {
  if (!needOpenMM(t)) return;
  const dir = mkdtempSync(join(tmpdir(), 'embedcg-child-close-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  // The real server, but after two answers it ignores the end of its input for 30 s.
  const python = join(dir, 'lingering-python');
  writeFileSync(
    python,
    `#!/bin/sh
exec /usr/bin/python3 -u -c 'import runpy, sys, time
g = runpy.run_path(sys.argv[1], run_name="server")
for _ in range(2):
    req, arrays = g["read_frame"]()
    g["write_frame"](dict(g["Server"]().cmd_sleep(req, arrays, req.get("id"))[0], id=req.get("id"), ok=True))
time.sleep(30)' "$2"
`,
  );
  chmodSync(python, 0o755);
  const script = `
    import { OpenMMChild } from ${JSON.stringify(new URL('./child.js', import.meta.url).href)};
    const child = new OpenMMChild(${JSON.stringify(python)}, 'test');
    // Once the server is up (Python and OpenMM loaded), the answer comes well within the grace period.
    await child.request({ cmd: 'sleep', seconds: 0 });
    const answered = child.request({ cmd: 'sleep', seconds: 0.2 });
    const closed = child.close(3000);
    await answered;
    await closed;
    console.log('closed');
  `;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, `exit ${r.status}; stdout ${r.stdout}; stderr ${r.stderr}`);
  assert.equal(r.stdout.trim(), 'closed');
});
