import { escapeHtml } from './escape.js';

/**
 * The live training page. It polls /api/history for records appended since its last poll and,
 * when there are new ones, reloads the curves image (rendered by the server with the same
 * `trainingCurves` as the report) and the table of the latest step.
 */
export function livePageHtml(title: string, pollMs: number): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<link rel="icon" href="data:,">
<title>${escapeHtml(title)} — embedcg live</title>
<style>
body { font-family: 'DejaVu Sans', system-ui, sans-serif; margin: 1rem 2rem; color: #222; }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; }
td, th { border: 1px solid #ddd; padding: 0.2rem 0.6rem; text-align: right; }
#state { color: #666; }
img { max-width: 100%; height: auto; }
</style>
</head>
<body>
<h1 id="run-name">${escapeHtml(title)}</h1>
<p id="state">waiting for history.jsonl…</p>
<table><thead><tr><th>step</th><th>level</th><th>β/β_target</th><th>loss (kT)</th><th>ESS</th><th>energy evaluations</th><th>wall (s)</th></tr></thead>
<tbody><tr id="latest"><td colspan="7">—</td></tr></tbody></table>
<img id="curves" alt="training curves" src="api/curves.svg?n=0">
<script>
(function () {
  var next = 0, generation = -1, count = 0;
  var state = document.getElementById('state');
  var latest = document.getElementById('latest');
  var img = document.getElementById('curves');
  function cell(v, digits) {
    var td = document.createElement('td');
    td.textContent = typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toPrecision(digits || 4)) : '—';
    return td;
  }
  function poll() {
    fetch('api/history?since=' + next + '&generation=' + generation, { cache: 'no-store' })
      .then(function (r) { if (!r.ok) throw new Error('HTTP ' + r.status); return r.json(); })
      .then(function (d) {
        if (d.generation !== generation) { generation = d.generation; count = 0; }
        next = d.next;
        count += d.records.length;
        var steps = d.records.filter(function (r) { return r.type === 'step'; });
        if (steps.length) {
          var s = steps[steps.length - 1];
          latest.replaceChildren(cell(s.step), cell(s.level), cell(s.betaFraction, 3), cell(s.loss), cell(s.ess, 3), cell(s.energyEvaluations), cell(s.wallSeconds, 3));
        }
        if (d.records.length) img.src = 'api/curves.svg?n=' + next + '&g=' + generation;
        state.textContent = count + ' records; updated ' + new Date().toLocaleTimeString();
      })
      .catch(function (e) { state.textContent = 'cannot reach the run: ' + e.message; })
      .finally(function () { setTimeout(poll, ${Math.max(100, Math.round(pollMs))}); });
  }
  poll();
})();
</script>
</body>
</html>
`;
}
