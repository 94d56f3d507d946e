import type { TopLevelSpec } from 'vega-lite';
import { vegaLiteToSvg } from '../render.js';

/** A small plot that says why there is nothing to show, so a report never has a broken image. */
export function emptyPlot(title: string, message: string): Promise<string> {
  const spec = {
    title,
    width: 400,
    height: 120,
    data: { values: [{ message }] },
    mark: { type: 'text', fontSize: 14, color: '#555' },
    encoding: { text: { field: 'message' } },
  } as unknown as TopLevelSpec;
  return vegaLiteToSvg(spec);
}
