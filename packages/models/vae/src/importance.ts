/** Importance weights of model samples against the Boltzmann target. */

/**
 * log w_i = −β u_i − ℓ_i in Float64, where ℓ is the model's `logQ` (for the VAE the bound
 * log p(z) + log q(y|z) − log r(z|y), so E[w] = Z_β exactly when r is the true posterior and
 * the estimator stays unbiased for any r) and u the energies in kJ/mol.
 *
 * An energy of +Infinity (overlapping atoms) gives weight zero (log w = −Infinity), also at β = 0.
 * NaN inputs throw, naming the sample.
 */
export function importanceLogWeights(logQ: ArrayLike<number>, energies: ArrayLike<number>, beta: number): Float64Array {
  if (logQ.length !== energies.length) {
    throw new RangeError(`importanceLogWeights: ${logQ.length} logQ values but ${energies.length} energies`);
  }
  if (!Number.isFinite(beta) || beta < 0)
    throw new RangeError(`importanceLogWeights: beta must be a finite non-negative number, got ${beta}`);
  const out = new Float64Array(logQ.length);
  for (let i = 0; i < out.length; i++) {
    const l = logQ[i]!;
    const u = energies[i]!;
    if (Number.isNaN(l)) throw new RangeError(`importanceLogWeights: logQ of sample ${i} is NaN`);
    if (Number.isNaN(u)) throw new RangeError(`importanceLogWeights: energy of sample ${i} is NaN`);
    out[i] = u === Infinity ? -Infinity : -beta * u - l;
  }
  return out;
}
