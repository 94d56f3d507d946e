/**
 * runMD: reference Langevin dynamics in OpenMM (in one Python child), writing
 * OUT.dcd, OUT.pdb (topology), OUT.energies.csv (step, time, potential, φ/ψ) and a checkpoint
 * (OUT.chk + OUT.chk.json) at every frame, so that `resume` continues an interrupted run exactly.
 */
import { isAbsolute, resolve } from 'node:path';
import { OpenMMChild } from './child.js';
import { systemSpec, type SystemSource } from './force-field.js';
import { checkSystemFiles, type SystemFiles } from './system-check.js';
import { findPython } from './python.js';

export interface MDOptions extends SystemSource {
  /** Trajectory path (.dcd); the other files share its base name. */
  out: string;
  /** Temperature, K. */
  temperature: number;
  /** Total number of steps of the run (with `resume`, the run continues up to this step). */
  steps: number;
  /** Steps between frames (DCD, CSV row, checkpoint). */
  interval: number;
  /** Random seed of the integrator and initial velocities (default 1). */
  seed?: number;
  /** Friction, 1/ps (default 1). */
  friction?: number;
  /** Time step, ps (default 0.001). */
  timestep?: number;
  /** Minimise before dynamics (fresh runs only). */
  minimize?: boolean;
  /** Continue from OUT.chk, appending to the DCD and CSV. */
  resume?: boolean;
  platform?: string;
  python?: string;
  /** Least seconds between progress events (default 1). */
  progressSeconds?: number;
}

export interface MDProgress {
  step: number;
  total: number;
  startStep: number;
  /** Seconds since this run (or resume) started. */
  elapsed: number;
  timePs: number;
  /** Potential energy at the last frame, kJ/mol. */
  potential: number;
  frames: number;
}

export interface MDResult {
  step: number;
  frames: number;
  seconds: number;
  stepsPerSecond: number;
  files: { dcd: string; pdb: string; csv: string; chk: string; info: string };
  /** Dihedral columns of the CSV (e.g. ["phi_deg", "psi_deg"]). */
  columns: string[];
}

/** Run MD; resolves when done. `onProgress` receives progress events from the child. */
export async function runMD(options: MDOptions, onProgress?: (p: MDProgress) => void): Promise<MDResult> {
  const { spec, arrays } = systemSpec(options);
  checkSystemFiles(spec as SystemFiles);
  for (const [k, v] of [
    ['temperature', options.temperature],
    ['steps', options.steps],
    ['interval', options.interval],
  ] as const) {
    if (!Number.isFinite(v) || v < 0) throw new RangeError(`md: ${k} must be a non-negative number, got ${v}`);
  }
  if (!Number.isInteger(options.interval) || options.interval < 1)
    throw new RangeError(`md: interval must be a positive integer, got ${options.interval}`);
  if (!Number.isInteger(options.steps)) throw new RangeError(`md: steps must be an integer, got ${options.steps}`);
  const out = isAbsolute(options.out) ? options.out : resolve(options.baseDir ?? process.cwd(), options.out);
  const child = new OpenMMChild(findPython(options.python).python, 'openmm md');
  try {
    const f = await child.request(
      {
        cmd: 'md',
        system: spec,
        out,
        temperature: options.temperature,
        friction: options.friction ?? 1,
        timestep: options.timestep ?? 0.001,
        steps: options.steps,
        interval: options.interval,
        seed: options.seed ?? 1,
        minimize: !!options.minimize,
        resume: !!options.resume,
        platform: options.platform ?? 'Reference',
        progressSeconds: options.progressSeconds ?? 1,
      },
      arrays,
      { onEvent: (h) => onProgress?.(h as unknown as MDProgress) },
    );
    return f.header as unknown as MDResult;
  } finally {
    await child.close();
  }
}
