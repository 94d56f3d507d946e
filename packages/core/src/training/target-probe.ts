/** The target density a model's `initialize` may probe before the first step (Model.initialize). */
import type { Model, TargetProbe } from '../contracts/model.js';
import type { CoordinateTransform } from '../contracts/transform.js';
import type { CountingForceField } from '../counting-force-field.js';
import type { Rng } from '../util/random.js';

/** The target density at β for `Model.initialize`, evaluated in batches of at most `batchSize`. */
export function targetProbe(
  model: Model,
  transform: CoordinateTransform | undefined,
  ff: CountingForceField,
  beta: number,
  rng: Rng,
  batchSize: number,
): TargetProbe {
  const Dm = model.dimension;
  return {
    beta,
    rng,
    async logTarget(y: Float64Array, n: number): Promise<Float64Array> {
      if (y.length !== n * Dm)
        throw new RangeError(`target probe: ${n} rows of ${Dm} need ${n * Dm} values, got ${y.length}`);
      const out = new Float64Array(n);
      for (let start = 0; start < n; start += batchSize) {
        const b = Math.min(batchSize, n - start);
        const rows = y.subarray(start * Dm, (start + b) * Dm);
        const t = transform ? transform.forward64(rows, b) : { x: rows, logDetJ: new Float64Array(b) };
        const { energies } = await ff.evaluate(Float64Array.from(t.x), b, { energiesOnly: true });
        for (let i = 0; i < b; i++) {
          const e = energies[i]!;
          out[start + i] = Number.isFinite(e) ? -beta * e + t.logDetJ[i]! : -Infinity;
        }
      }
      return out;
    },
  };
}
