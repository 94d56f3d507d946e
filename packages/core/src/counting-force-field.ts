/** Wraps a force field so that core counts every configuration evaluated (docs/science/metrics.md: cost). */
import type { EnergyBatch, EvaluateOptions, ForceField } from './contracts/force-field.js';

export class CountingForceField implements ForceField {
  evaluations = 0;
  calls = 0;
  /** Seconds spent inside evaluate (wall). */
  seconds = 0;
  constructor(readonly inner: ForceField) {}
  get name() {
    return this.inner.name;
  }
  get dimension() {
    return this.inner.dimension;
  }
  get topology() {
    return this.inner.topology;
  }
  get reference() {
    return this.inner.reference;
  }
  get initialPositions() {
    return this.inner.initialPositions;
  }
  async evaluate(positions: Float64Array, n: number, options?: EvaluateOptions): Promise<EnergyBatch> {
    const t0 = performance.now();
    this.evaluations += n;
    this.calls++;
    try {
      const out = await this.inner.evaluate(positions, n, options);
      if (out.energies.length !== n) {
        throw new Error(`force field "${this.name}" returned ${out.energies.length} energies for ${n} configurations`);
      }
      for (let i = 0; i < n; i++) {
        if (Number.isNaN(out.energies[i]!)) {
          throw new Error(
            `force field "${this.name}" returned NaN energy for configuration ${i} of ${n}; a force field must return a number or +Infinity`,
          );
        }
      }
      return out;
    } finally {
      this.seconds += (performance.now() - t0) / 1000;
    }
  }
  dispose() {
    return this.inner.dispose?.();
  }
}
