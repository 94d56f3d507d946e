import { escapeHtml, jsonForScript, scriptForInline } from './escape.js';
import { VIEWER_SCRIPT } from './viewer-script.js';
import type { StructureFrames } from './structure-frames.js';
import { summaryRows } from './summary-labels.js';
import { referenceSection } from './reference-table.js';
import type { RunMetrics } from './types.js';

/** A plot ready for the page: its PNG, or the reason it could not be drawn. */
export interface RenderedPlot {
  id: string;
  title: string;
  caption: string;
  png?: Buffer;
  /** CSS width in pixels (the SVG's width). */
  width?: number;
  error?: string;
}

/** Everything the page template needs. */
export interface ReportPage {
  title: string;
  config: unknown;
  metrics: RunMetrics;
  plots: RenderedPlot[];
  frames?: StructureFrames;
  viewerLibrary?: string;
  framesPdb?: string | undefined;
  warnings: string[];
}

const STYLE = `
body { font-family: 'DejaVu Sans', system-ui, sans-serif; margin: 0 auto; max-width: 1200px; padding: 1rem 2rem; color: #222; }
h1 { font-size: 1.6rem; margin-bottom: 0.2rem; }
h2 { font-size: 1.25rem; border-bottom: 1px solid #ddd; padding-bottom: 0.2rem; margin-top: 2rem; }
.sub { color: #666; margin-top: 0; }
table.metrics { border-collapse: collapse; }
table.metrics td, table.metrics th { border: 1px solid #ddd; padding: 0.25rem 0.7rem; text-align: left; }
table.metrics td.num { text-align: right; font-variant-numeric: tabular-nums; }
table.metrics td.meaning { color: #555; font-size: 0.9rem; }
h3 { font-size: 1.05rem; margin-top: 1.2rem; }
figure { margin: 1rem 0 2rem; }
figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { color: #555; font-size: 0.9rem; }
pre { background: #f6f6f6; padding: 0.8rem; overflow-x: auto; font-size: 0.85rem; }
.warning { background: #fff3cd; border: 1px solid #e0c36c; padding: 0.5rem 0.8rem; }
#viewer { width: 640px; height: 480px; position: relative; border: 1px solid #ddd; }
.controls { margin: 0.5rem 0; display: flex; gap: 0.8rem; align-items: center; }
#frame-slider { width: 360px; }
`;

/** The summary: plain label, value with unit, one line of meaning per metric. */
function metricsTable(metrics: RunMetrics): string {
  const rows = summaryRows(metrics);
  if (Object.keys(metrics).length === 0) return '<p class="sub">No metrics.json yet (the run may still be going).</p>';
  const body = rows.map(
    (r) =>
      `<tr><th scope="row">${escapeHtml(r.label)}</th><td class="num">${escapeHtml(r.value)}</td><td class="meaning">${escapeHtml(r.meaning)}</td></tr>`,
  );
  return `<table class="metrics" id="summary"><tbody>\n${body.join('\n')}\n</tbody></table>`;
}

function plotFigure(p: RenderedPlot): string {
  if (p.error !== undefined || !p.png) {
    return `<figure id="plot-${escapeHtml(p.id)}"><div class="warning">Could not draw “${escapeHtml(p.title)}”: ${escapeHtml(p.error ?? 'no image')}</div></figure>`;
  }
  const src = `data:image/png;base64,${p.png.toString('base64')}`;
  return (
    `<figure id="plot-${escapeHtml(p.id)}">` +
    `<img class="plot" src="${src}" width="${Math.round(p.width ?? 600)}" alt="${escapeHtml(p.title)}">` +
    `<figcaption>${escapeHtml(p.title)}. ${escapeHtml(p.caption)}</figcaption></figure>`
  );
}

function viewerSection(page: ReportPage): string {
  if (!page.frames || !page.viewerLibrary) return '';
  const pdbLink = page.framesPdb
    ? ` Frames as a multi-model PDB: <a href="${escapeHtml(page.framesPdb)}">${escapeHtml(page.framesPdb)}</a>.`
    : '';
  return `
<h2>Sampled configurations</h2>
<p class="sub">${page.frames.coordinates.length} configurations drawn from the model (drag to rotate, scroll to zoom).${pdbLink}</p>
<div class="controls"><button id="frame-play" type="button">Play</button><input id="frame-slider" type="range" min="0" max="0" step="1" value="0" aria-label="frame"><span id="frame-label"></span></div>
<div id="viewer"></div>
<p id="viewer-status" class="sub">Loading the 3-D viewer…</p>
<script type="application/json" id="embedcg-frames">${jsonForScript(page.frames)}</script>
<script>${scriptForInline(page.viewerLibrary)}</script>
<script>${scriptForInline(VIEWER_SCRIPT)}</script>`;
}

/** The report page as one HTML string with nothing loaded from outside. */
export function renderReportHtml(page: ReportPage): string {
  const warnings = page.warnings.length
    ? `<div class="warning"><strong>Some plots could not be drawn:</strong><ul>${page.warnings.map((w) => `<li>${escapeHtml(w)}</li>`).join('')}</ul></div>`
    : '';
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<link rel="icon" href="data:,">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src 'unsafe-inline' 'unsafe-eval'">
<title>${escapeHtml(page.title)} — embedcg report</title>
<style>${STYLE}</style>
</head>
<body>
<h1 id="run-name">${escapeHtml(page.title)}</h1>
<p class="sub">embedcg report, generated ${escapeHtml(new Date().toISOString())}</p>
${warnings}
<h2>Summary</h2>
${metricsTable(page.metrics)}
<script type="application/json" id="embedcg-metrics">${jsonForScript(page.metrics)}</script>
${referenceSection(page.metrics)}
<h2>Plots</h2>
${page.plots.length ? page.plots.map(plotFigure).join('\n') : '<p class="sub">No plots: the run has no history or samples yet.</p>'}
${viewerSection(page)}
<h2>Configuration</h2>
<pre id="config">${escapeHtml(JSON.stringify(page.config, null, 2))}</pre>
</body>
</html>
`;
}
