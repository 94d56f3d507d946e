/**
 * A process-wide switch for one fast path, so that a benchmark can time the path against its
 * fallback in the same process (tools/bench/train-profile.mjs --compare --off …). The state is
 * keyed on `Symbol.for`, so every copy of core loaded in the process sees the same switch.
 */
export interface BenchSwitch {
  set(on: boolean): void;
  enabled(): boolean;
}

export function benchSwitch(name: string): BenchSwitch {
  const key = Symbol.for(`embedcg.${name}.disabled`);
  const g = globalThis as Record<symbol, unknown>;
  return {
    set: (on) => {
      g[key] = !on;
    },
    enabled: () => g[key] !== true,
  };
}
