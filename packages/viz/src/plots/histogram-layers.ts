import { MIN_EFFECTIVE_COUNT, round, type Histogram1D } from '../binning.js';

/** A bin's density for the plot, or null (not drawn) when it holds too few effective samples. */
export function drawnDensity(h: Histogram1D, b: number): number | null {
  return h.effective[b]! >= MIN_EFFECTIVE_COUNT ? round(h.density[b]!, 5) : null;
}

/**
 * Vega-lite layers drawing histograms that share axes: the first as light filled bars, the
 * others as step outlines, so overlapping histograms stay readable. Bins with fewer than
 * {@link MIN_EFFECTIVE_COUNT} effective samples (Kish) are left out: no bar, a gap in the outline.
 */
export function histogramLayers(
  hists: Array<{ name: string; h: Histogram1D }>,
  x: object,
  yTitle: string,
  color: object,
): object[] {
  const layers: object[] = [];
  const [first, ...rest] = hists;
  if (first) {
    const bars = [];
    for (let b = 0; b < first.h.counts.length; b++) {
      bars.push({
        x: round(first.h.edges[b]!, 6),
        x2: round(first.h.edges[b + 1]!, 6),
        density: drawnDensity(first.h, b),
        series: first.name,
      });
    }
    layers.push({
      data: { values: bars },
      mark: { type: 'bar', opacity: 0.45, binSpacing: 0 },
      encoding: {
        x: { ...x, bin: 'binned' },
        x2: { field: 'x2' },
        y: { field: 'density', type: 'quantitative', title: yTitle, stack: null },
        color,
      },
    });
  }
  for (const { name, h } of rest) {
    const pts = [];
    const nb = h.counts.length;
    for (let b = 0; b < nb; b++) pts.push({ x: round(h.edges[b]!, 6), density: drawnDensity(h, b), series: name });
    pts.push({ x: round(h.edges[nb]!, 6), density: drawnDensity(h, nb - 1), series: name });
    layers.push({
      data: { values: pts },
      mark: { type: 'line', interpolate: 'step-after', strokeWidth: 2 },
      encoding: { x, y: { field: 'density', type: 'quantitative', title: yTitle }, color },
    });
  }
  return layers;
}
