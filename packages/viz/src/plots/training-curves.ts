import type { TopLevelSpec } from 'vega-lite';
import { vegaLiteToSvg } from '../render.js';
import { round } from '../binning.js';
import type { HistoryRecord, HistoryStep, HistoryLevel } from '../types.js';
import { emptyPlot } from './empty.js';

/** At most this many points per curve; longer histories are averaged over consecutive steps. */
export const MAX_CURVE_POINTS = 1500;

type Row = { step: number; value: number };

function bucketed(steps: HistoryStep[], pick: (s: HistoryStep) => number | null | undefined, average: boolean): Row[] {
  const k = Math.max(1, Math.ceil(steps.length / MAX_CURVE_POINTS));
  const rows: Row[] = [];
  for (let start = 0; start < steps.length; start += k) {
    const end = Math.min(start + k, steps.length);
    let sum = 0;
    let count = 0;
    let last: number | undefined;
    for (let i = start; i < end; i++) {
      const v = pick(steps[i]!);
      if (typeof v !== 'number' || !Number.isFinite(v)) continue;
      sum += v;
      count++;
      last = v;
    }
    if (count === 0) continue;
    rows.push({ step: steps[end - 1]!.step, value: round(average ? sum / count : last!, 6) });
  }
  return rows;
}

function panel(
  title: string,
  yTitle: string,
  values: Row[],
  opts: { points?: Row[]; format?: string; color: string },
): object {
  const y = {
    field: 'value',
    type: 'quantitative',
    title: yTitle,
    scale: { zero: false },
    axis: opts.format ? { format: opts.format } : {},
  };
  const x = { field: 'step', type: 'quantitative', title: 'training step' };
  const layers: object[] = [];
  if (values.length > 0)
    layers.push({ data: { values }, mark: { type: 'line', color: opts.color, strokeWidth: 1.5 }, encoding: { x, y } });
  if (opts.points && opts.points.length > 0) {
    layers.push({
      data: { values: opts.points },
      mark: { type: 'point', filled: true, color: '#d62728', size: 40 },
      encoding: { x, y },
    });
  }
  return { title, width: 560, height: 150, layer: layers };
}

/**
 * Training curves against step: loss (kT), β/β_target, ESS and cumulative energy evaluations,
 * one panel each. ESS comes from step records when they carry it, and otherwise (or in
 * addition, as red points) from level records placed at the last step of their level.
 */
export async function trainingCurves(history: readonly HistoryRecord[]): Promise<string> {
  const steps = history.filter((r): r is HistoryStep => r.type === 'step' && Number.isFinite(r.step)).slice();
  steps.sort((a, b) => a.step - b.step);
  if (steps.length === 0) return emptyPlot('Training curves', 'no training steps recorded yet');
  const levels = history.filter((r): r is HistoryLevel => r.type === 'level');
  const lastStepOfLevel = new Map<number, number>();
  for (const s of steps) lastStepOfLevel.set(s.level, s.step);
  const levelEss: Row[] = [];
  for (const l of levels) {
    const step = lastStepOfLevel.get(l.level);
    if (step !== undefined && typeof l.ess === 'number' && Number.isFinite(l.ess))
      levelEss.push({ step, value: round(l.ess, 6) });
  }
  const essRows = bucketed(steps, (s) => s.ess, true);
  const essAll = [...essRows.map((r) => r.value), ...levelEss.map((r) => r.value)];
  const essIsFraction = essAll.length > 0 && essAll.every((v) => v <= 1.000001);
  const useFraction = steps.some((s) => Number.isFinite(s.betaFraction));

  const panels: object[] = [
    panel(
      'Loss (reverse-KL objective)',
      'loss (kT)',
      bucketed(steps, (s) => s.loss, true),
      { color: '#1f77b4' },
    ),
    useFraction
      ? panel(
          'Tempering: inverse temperature',
          'β / β_target',
          bucketed(steps, (s) => s.betaFraction, false),
          { color: '#ff7f0e' },
        )
      : panel(
          'Tempering: inverse temperature',
          'β (mol/kJ)',
          bucketed(steps, (s) => s.beta, false),
          { color: '#ff7f0e' },
        ),
  ];
  if (essAll.length > 0) {
    panels.push(
      panel(
        essIsFraction ? 'Effective sample size (fraction of the batch)' : 'Effective sample size',
        essIsFraction ? 'ESS (fraction)' : 'ESS (samples)',
        essRows,
        { points: levelEss, color: '#2ca02c' },
      ),
    );
  }
  panels.push(
    panel(
      'Cost: cumulative force-field evaluations',
      'evaluations',
      bucketed(steps, (s) => s.energyEvaluations, false),
      { color: '#9467bd', format: '~s' },
    ),
  );
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    vconcat: panels,
    spacing: 24,
  } as unknown as TopLevelSpec;
  return vegaLiteToSvg(spec);
}
