/** The four-row batch the objective tests share: row 1 dropped by the guard, two coordinates a row. */
import type { BatchNumbers } from './objective.js';

export const mask = [1, 0, 1, 1];
/** log w of the kept rows. */
export const logw = [-1.5, -0.25, -2];
export const ratio = [0.3, -0.2, 0.1];
/** ℓ + βU of every row; the dropped row's 99 must never count. */
export const perAll = [1.5, 99, 0.25, 2];
export const y = [0.5, -1, 2, 1, -0.5, 0.25, 1, 1];

/** The batch's numbers, plain reverse KL, with `over` replacing fields. */
export function batch(over: Partial<BatchNumbers> = {}): BatchNumbers {
  return {
    size: 4,
    mask,
    logw,
    ratio: [0, 0, 0],
    renyiPower: 0,
    maxBetaEnergy: 0,
    hasChoice: false,
    y,
    modelDimension: 2,
    ...over,
  };
}
