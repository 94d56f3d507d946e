/**
 * Tempering-schedule checks: β₀ lies in (0, β*], each nextBeta increases β without passing β*
 * and the ladder reaches β*, a level ends under a flat loss, and a schedule restored from a saved
 * (JSON round-tripped) state makes the same decisions as the one that saved it, as a resumed run
 * needs. Schedules that need samples get a Gaussian model of a harmonic target, so no energies
 * are evaluated.
 */
import type { BetaDecision, LevelContext, ScheduleSamples, TemperingSchedule } from '../contracts/schedule.js';
import { createRng } from '../util/random.js';
import { fail } from './errors.js';

export interface ScheduleCheckOptions {
  /** Target inverse temperatures β* to climb to. Default [1, 0.4]. */
  targets?: number[];
  /** Most levels allowed to reach β*. Default 10000. */
  maxLevels?: number;
  /** Most steps a level may take under a flat loss. Default 100000. */
  maxStepsPerLevel?: number;
}

/** Makes a fresh schedule (same options) each call. */
export type ScheduleFactory = () => TemperingSchedule | Promise<TemperingSchedule>;

const STEPS = { stepsPerLevel: 100, initialSteps: 500 };

/** The context of a completed level. */
function levelContext(level: number, beta: number, targetBeta: number): LevelContext {
  const stepInLevel = level === 0 ? STEPS.initialSteps : STEPS.stepsPerLevel;
  return { level, beta, targetBeta, stepInLevel, losses: new Array<number>(stepInLevel).fill(-1), ...STEPS };
}

/**
 * M samples of q = N(0, 1.5/β · I₃) against U = ½|x|²: a too wide model, so the KL is positive
 * and importance weights vary, as in a real run. Seeded by the level.
 */
export function scheduleSamples(beta: number, M: number, seed: number): ScheduleSamples {
  const rng = createRng(seed);
  const s2 = 1.5 / beta;
  const energies = new Float64Array(M),
    logQ = new Float64Array(M);
  for (let i = 0; i < M; i++) {
    let r2 = 0;
    for (let k = 0; k < 3; k++) r2 += s2 * rng.normal() ** 2;
    energies[i] = 0.5 * r2;
    logQ[i] = -0.5 * (r2 / s2) - 1.5 * Math.log(2 * Math.PI * s2);
  }
  return { energies, logQ };
}

function decide(s: TemperingSchedule, level: number, beta: number, target: number): BetaDecision {
  const samples = s.samplesNeeded > 0 ? scheduleSamples(beta, Math.min(s.samplesNeeded, 500), level + 1) : undefined;
  return s.nextBeta(levelContext(level, beta, target), samples);
}

/** β₀ = initialBeta(β*) lies in (0, β*] for every target. */
export async function checkScheduleInitialBeta(create: ScheduleFactory, o: ScheduleCheckOptions = {}): Promise<string> {
  const s = await create();
  const got: number[] = [];
  for (const target of o.targets ?? [1, 0.4]) {
    const b0 = s.initialBeta(target);
    if (!(b0 > 0 && b0 <= target))
      fail('initial β', `${s.name}: initialBeta(${target}) = ${b0}, expected a number in (0, ${target}]`);
    got.push(b0);
  }
  return `β₀ = ${got.join(', ')}`;
}

/** From β₀, each nextBeta increases β, never past β*, and β* is reached within `maxLevels`. */
export async function checkScheduleLadder(create: ScheduleFactory, o: ScheduleCheckOptions = {}): Promise<string> {
  const maxLevels = o.maxLevels ?? 10000;
  const done: string[] = [];
  for (const target of o.targets ?? [1, 0.4]) {
    const s = await create();
    let beta = s.initialBeta(target);
    let level = 0;
    for (; beta < target; level++) {
      if (level >= maxLevels)
        fail('β ladder', `${s.name}: β = ${beta} after ${maxLevels} levels, still below the target ${target}`);
      const d = decide(s, level, beta, target);
      if (!(d.beta > beta))
        fail('β ladder', `${s.name}: level ${level}: nextBeta gave β = ${d.beta}, which does not increase β = ${beta}`);
      if (!(d.beta <= target))
        fail('β ladder', `${s.name}: level ${level}: nextBeta gave β = ${d.beta}, past the target ${target}`);
      for (const [k, v] of Object.entries(d.info ?? {}))
        if (typeof v !== 'number' || Number.isNaN(v))
          fail('β ladder', `${s.name}: level ${level}: info.${k} is ${String(v)}, expected a number`);
      beta = d.beta;
    }
    done.push(`β* = ${target} in ${level} levels`);
  }
  return done.join(', ');
}

/** Under a flat loss, levelComplete turns true within `maxStepsPerLevel` steps, at the first level and later ones. */
export async function checkScheduleLevelComplete(
  create: ScheduleFactory,
  o: ScheduleCheckOptions = {},
): Promise<string> {
  const s = await create();
  const max = o.maxStepsPerLevel ?? 100000;
  const found: number[] = [];
  for (const level of [0, 1]) {
    let steps = 1;
    const ctx = (n: number) => ({
      ...levelContext(level, 0.5, 1),
      stepInLevel: n,
      losses: new Array<number>(n).fill(-1),
    });
    while (steps <= max && !s.levelComplete(ctx(steps))) steps *= 2;
    if (steps > max)
      fail('level completion', `${s.name}: level ${level} is not complete after ${max} steps of a flat loss`);
    found.push(steps);
  }
  return `complete by step ${found.join(' (first level), ')} (later levels)`;
}

/**
 * getState/setState: a fresh schedule given the JSON round trip of a state saved after 2 levels
 * makes the same next 3 decisions (β and info) as the schedule that saved it.
 */
export async function checkScheduleState(create: ScheduleFactory, o: ScheduleCheckOptions = {}): Promise<string> {
  const target = (o.targets ?? [1])[0] ?? 1;
  const a = await create();
  let beta = a.initialBeta(target);
  let level = 0;
  for (; level < 2 && beta < target; level++) beta = decide(a, level, beta, target).beta;
  let saved: unknown;
  try {
    saved = JSON.parse(JSON.stringify(a.getState() ?? null));
  } catch (e) {
    fail('state round trip', `${a.name}: getState() is not JSON-serializable: ${(e as Error).message}`);
  }
  const b = await create();
  b.setState(structuredClone(saved));
  let compared = 0;
  for (; compared < 3 && beta < target; compared++, level++) {
    const da = decide(a, level, beta, target);
    const db = decide(b, level, beta, target);
    const [ja, jb] = [JSON.stringify(da), JSON.stringify(db)];
    if (ja !== jb)
      fail(
        'state round trip',
        `${a.name}: level ${level}: the schedule decided ${ja}, but a fresh one given its saved state decided ${jb}`,
      );
    beta = da.beta;
  }
  return `${compared} decisions reproduced after restoring the state of level ${level - compared}`;
}
