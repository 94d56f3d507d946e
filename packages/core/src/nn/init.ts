/**
 * Glorot-uniform initialisers, U(−a, a) with a = √(6 / (fanIn + fanOut)) (Glorot & Bengio, 2010),
 * drawn from a seeded `Rng` one uniform per weight in row-major order.
 *
 * Two ways of applying a scale are offered because the model packages were built with different
 * ones and their float32 weights differ in the last bit: changing either would change every
 * seeded result and every checkpoint of that package.
 */
import type { Rng } from '../util/random.js';

/** Makes fanIn × fanOut row-major weights from `rng`, `scale` times the Glorot-uniform ones. */
export type WeightInit = (rng: Rng, fanIn: number, fanOut: number, scale: number) => Float32Array;

/** U(−a, a) with the bound scaled before drawing, a = scale · √(6 / (fanIn + fanOut)) (the VAE's). */
export const glorotUniformScaledBound: WeightInit = (rng, fanIn, fanOut, scale) => {
  const a = scale * Math.sqrt(6 / (fanIn + fanOut));
  const w = new Float32Array(fanIn * fanOut);
  for (let i = 0; i < w.length; i++) w[i] = (2 * rng.uniform() - 1) * a;
  return w;
};

/**
 * U(−a, a) at a = √(6 / (fanIn + fanOut)), rounded to float32, then each weight multiplied by
 * `scale` (the flows'). Draws for scale 0 too, so later layers get the same random numbers.
 */
export const glorotUniformScaledAfter: WeightInit = (rng, fanIn, fanOut, scale) => {
  const w = glorotUniformScaledBound(rng, fanIn, fanOut, 1);
  if (scale !== 1) for (let i = 0; i < w.length; i++) w[i] = w[i]! * scale;
  return w;
};
