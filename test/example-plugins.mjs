// The plugins of an example config (with `--set`-style overrides), on the backend it names, with
// the native AMBER plugin preloaded: what tests that drive a model directly start from.
import { join } from 'node:path';
import { assemblePlugins, loadRunConfig, selectBackend } from '@embedcg/core';
import * as amber from '@embedcg/forcefield-amber';
import { repoRoot } from './support.mjs';

export async function assembleExample(example, sets = []) {
  const { config, configDir } = loadRunConfig(join(repoRoot, 'examples', example), sets);
  await selectBackend(config.training.backend, () => {});
  const plugins = await assemblePlugins(config, {
    configDir,
    preloaded: { '@embedcg/forcefield-amber': amber.plugins },
    log: () => {},
  });
  return { config, plugins };
}
