import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { Resvg } from '@resvg/resvg-js';

/** Font used for every plot; DejaVu ships with Debian and is what resvg finds headless. */
export const PLOT_FONT = 'DejaVu Sans';

/** Shared look of every plot: readable font sizes, no chart border. */
export const PLOT_CONFIG = {
  font: PLOT_FONT,
  view: { stroke: null },
  axis: { labelFontSize: 12, titleFontSize: 13, titleFontWeight: 'normal', grid: true, gridOpacity: 0.5 },
  legend: { labelFontSize: 12, titleFontSize: 13, titleFontWeight: 'normal' },
  header: { labelFontSize: 13, titleFontSize: 13 },
  title: { fontSize: 15, subtitleFontSize: 12, anchor: 'start' },
  background: 'white',
} as const;

/**
 * Render a vega-lite spec to an SVG string headless (no DOM, no canvas).
 * The shared {@link PLOT_CONFIG} is merged under the spec's own config.
 */
export async function vegaLiteToSvg(spec: TopLevelSpec): Promise<string> {
  const withConfig = {
    ...spec,
    config: { ...PLOT_CONFIG, ...((spec as { config?: object }).config ?? {}) },
  } as TopLevelSpec;
  const compiled = compile(withConfig).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Options of {@link svgToPng}. */
export interface PngOptions {
  /** Output width in pixels; height follows the SVG's aspect ratio. Default: 2 × the SVG width. */
  width?: number;
}

/** Rasterise an SVG string to a PNG (white background, system fonts with DejaVu Sans as default). */
export function svgToPng(svg: string, options: PngOptions = {}): Buffer {
  const fitTo =
    options.width !== undefined
      ? { mode: 'width' as const, value: Math.round(options.width) }
      : { mode: 'zoom' as const, value: 2 };
  const resvg = new Resvg(svg, {
    fitTo,
    background: 'white',
    font: { loadSystemFonts: true, defaultFontFamily: PLOT_FONT },
  });
  return resvg.render().asPng();
}
