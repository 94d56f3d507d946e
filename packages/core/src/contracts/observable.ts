/**
 * An observable f(x) of configurations in the force field's space. Core estimates E_p[f] from
 * model samples, raw and importance-reweighted, with the effective sample size.
 */
export interface Observable {
  readonly name: string;
  /** Unit of the values, e.g. "nm" or "rad". */
  readonly unit?: string;
  /** f at n configurations (flat, n × dimension) → n values. */
  compute(positions: Float64Array, n: number, dimension: number): Float64Array;
}
