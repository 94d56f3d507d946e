/** The invertible layers of a coupling flow: alternating-mask couplings or autoregressive layers. */
import type { Rng } from '@embedcg/core';
import { AutoregressiveLayer, autoregressiveOrders } from './autoregressive.js';
import { CouplingLayer, alternatingMask } from './coupling.js';
import type { FlowOptions } from './options.js';

/** One layer of a {@link FlowModel}. */
export type FlowLayer = CouplingLayer | AutoregressiveLayer;

/**
 * The `o.layers` layers over D coordinates, initialised from `rng` in layer order; `seed` orders
 * the autoregressive layers. On failure the layers built so far are disposed.
 */
export function createFlowLayers(
  o: FlowOptions,
  D: number,
  circular: readonly number[],
  seed: number,
  rng: Rng,
  fused = true,
): FlowLayer[] {
  const layers: FlowLayer[] = [];
  try {
    const orders =
      o.coupling === 'autoregressive'
        ? autoregressiveOrders(D, o.layers, o.autoregressiveOrder ?? 'reverse', seed)
        : undefined;
    for (let k = 0; k < o.layers; k++) {
      const common = {
        name: `${o.scope}/coupling${k}`,
        hidden: o.hidden,
        activation: o.activation,
        finalLayerScale: o.finalLayerScale,
        scaleBound: o.scaleBound,
        spline: { bins: o.bins, bound: o.bound, minBin: 1e-3, minDerivative: 1e-3, fused },
      };
      if (orders) {
        const transform = o.autoregressiveTransform ?? 'spline';
        layers.push(new AutoregressiveLayer({ ...common, order: orders[k]!, transform }, rng));
        continue;
      }
      layers.push(
        new CouplingLayer(
          {
            ...common,
            dimension: D,
            transformed: alternatingMask(D, k),
            type: o.coupling as 'affine' | 'spline',
            ...(circular.length > 0 ? { circular } : {}),
          },
          rng,
        ),
      );
    }
  } catch (e) {
    for (const c of layers) c.dispose();
    throw e;
  }
  return layers;
}
