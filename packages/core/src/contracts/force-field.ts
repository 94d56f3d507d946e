/**
 * The force-field contract: the only physics input of embedcg.
 *
 * Units are OpenMM's: positions in nm, energies in kJ/mol, forces in kJ/mol/nm.
 * Positions of a batch are one flat Float64Array, configuration-major:
 * `positions[i * dimension + k]` is coordinate k of configuration i. For molecules,
 * coordinate k = 3 * atom + axis.
 */

/** One atom of a molecular system. */
export interface Atom {
  /** Atom name as in the PDB/prmtop, e.g. "CA". */
  name: string;
  /** Element symbol, e.g. "C". */
  element: string;
  /** Mass in dalton (g/mol). */
  mass: number;
  /** Residue name, e.g. "ALA". */
  residueName: string;
  /** Zero-based residue index. */
  residueIndex: number;
  /** Partial charge in elementary charges, when known. */
  charge?: number;
}

/** Atom metadata of a molecular force field. */
export interface Topology {
  atoms: Atom[];
  /** Bonded pairs of zero-based atom indices. */
  bonds: Array<[number, number]>;
  /**
   * True when only the particles' masses are known (a serialized OpenMM System without a PDB):
   * names and residues are placeholders, elements come from the masses ('' where they cannot),
   * and atom-order checks compare elements only.
   */
  elementsOnly?: boolean;
}

/** Energies and forces of a batch of n configurations. */
export interface EnergyBatch {
  /** n energies, kJ/mol. May be +Infinity for overlapping atoms; never NaN. */
  energies: Float64Array;
  /** n * dimension forces, kJ/mol/nm, `-dU/dx`. */
  forces: Float64Array;
  /** Optional per-term energies (n each), keyed by term name (e.g. "bond", "gb"). */
  terms?: Record<string, Float64Array>;
}

/** Options of one `evaluate` call. */
export interface EvaluateOptions {
  /** Skip forces when only energies are needed (forces may then be a zero-length array). */
  energiesOnly?: boolean;
  /** Ask for per-term energies. */
  terms?: boolean;
}

/**
 * Exact answers a force field can give about its own Boltzmann distribution.
 * Analytic potentials use these for metrics; molecular ones usually have none.
 */
export interface ExactReference {
  /** log Z_β = log ∫ exp(-β U(x)) dx. */
  logZ(beta: number): number;
  /** Named basins with their exact masses at β and a classifier for configurations. */
  basins?(beta: number): Basin[];
  /** Draw exact samples of p_β (flat array n * dimension), for CV-quality metrics. */
  sample?(beta: number, n: number, rng: () => number): Float64Array;
  /** Index of the slow coordinate the CVs should track, when there is one. */
  slowCoordinate?: number;
}

/** A region of configuration space with an exactly known mass. */
export interface Basin {
  name: string;
  /** Exact probability mass under p_β. */
  mass: number;
  /** Does configuration `x` (length `dimension`) lie in this basin? */
  contains(x: Float64Array | number[]): boolean;
}

/** A force field: batched energies and forces at configurations of our choosing. */
export interface ForceField {
  /** Human-readable name, used in messages and run metadata. */
  readonly name: string;
  /** Number of coordinates per configuration (3 × atoms for molecules). */
  readonly dimension: number;
  /** Atom metadata, present when the system is molecular. */
  readonly topology?: Topology;
  /** Exact reference answers, where the force field knows them. */
  readonly reference?: ExactReference;
  /** Coordinates of a reasonable starting structure (length `dimension`), when known. */
  readonly initialPositions?: Float64Array;
  /**
   * Energies and forces of n configurations. Must not return NaN: invalid input (NaN/Inf
   * coordinates, wrong length) throws an error that names the configuration index.
   * May be async (bridges to other processes).
   */
  evaluate(positions: Float64Array, n: number, options?: EvaluateOptions): EnergyBatch | Promise<EnergyBatch>;
  /** Release workers, child processes and buffers. */
  dispose?(): void | Promise<void>;
}

/** Throw a clear error when `positions` does not hold n finite configurations. */
export function checkPositions(ff: { name: string; dimension: number }, positions: Float64Array, n: number): void {
  if (!Number.isInteger(n) || n < 0)
    throw new RangeError(`${ff.name}: batch size must be a non-negative integer, got ${n}`);
  if (positions.length !== n * ff.dimension) {
    throw new RangeError(
      `${ff.name}: expected ${n} configurations × ${ff.dimension} coordinates = ${n * ff.dimension} numbers, got ${positions.length}`,
    );
  }
  for (let i = 0; i < positions.length; i++) {
    const v = positions[i]!;
    if (!Number.isFinite(v)) {
      const conf = Math.floor(i / ff.dimension);
      throw new RangeError(
        `${ff.name}: configuration ${conf} has a non-finite coordinate (${v}) at index ${i % ff.dimension}`,
      );
    }
  }
}
