import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolvePluginOptions } from './plugin-loader.js';
import { findRetiredOption, resolveOptionsInCode } from './plugin-options.js';
import { API_VERSION, defineModel, type OptionsContext } from './plugin.js';
import { PluginError } from './errors.js';

interface Options {
  layers: number[];
  activations?: string[];
  mode: 'a' | 'b';
  pick?: 'all' | number[];
}

const seen: OptionsContext[] = [];
/** A model plugin whose activations default to one per layer, resolved by its hook. */
const plugin = defineModel<Options>({
  name: 'toy',
  version: '1.0.0',
  apiVersion: API_VERSION,
  optionsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      layers: { type: 'array', items: { type: 'integer', minimum: 1 }, default: [4, 4, 4] },
      activations: { type: 'array', items: { type: 'string' } },
      mode: { type: 'string', enum: ['a', 'b'], default: 'a' },
      pick: {
        oneOf: [
          { type: 'string', enum: ['all'] },
          { type: 'array', items: { type: 'integer', minimum: 0 }, uniqueItems: true, minItems: 1 },
        ],
      },
    },
  },
  resolveOptions(o, context) {
    seen.push(context);
    o.activations ??= o.layers.map(() => 'tanh');
    if (o.activations.length !== o.layers.length)
      throw new RangeError(`option activations must list one per layer (${o.layers.length})`);
    return o;
  },
  retiredOptions: { skip: 'retired in 0.2.0, see CHANGELOG', 'nested.old': 'retired in 0.2.0, see CHANGELOG' },
  create() {
    throw new Error('not used');
  },
});
const opts = {
  searchDirs: ['/some/config/dir'],
  preloaded: { toy: [plugin] },
  configPath: 'run.json',
  jsonPath: '/model',
};

test('resolvePluginOptions runs the hook after the schema: a dependent default follows the layer count', async () => {
  const { options } = await resolvePluginOptions(
    'model',
    { package: 'toy', name: 'toy', options: { layers: [8, 8] } },
    opts,
  );
  assert.deepEqual(options, { layers: [8, 8], mode: 'a', activations: ['tanh', 'tanh'] });
  assert.equal(seen.at(-1)?.configDir, '/some/config/dir');
  await assert.rejects(
    resolvePluginOptions('model', { package: 'toy', name: 'toy', options: { activations: ['relu'] } }, opts),
    (e: Error) =>
      e instanceof PluginError &&
      /run\.json at \/model: invalid options for plugin "toy" \(toy\): option activations must list one per layer \(3\)/.test(
        e.message,
      ),
  );
});

test('a retired option is refused with its note, at the top level and nested', async () => {
  await assert.rejects(
    resolvePluginOptions('model', { package: 'toy', name: 'toy', options: { skip: true } }, opts),
    /invalid options for plugin "toy" \(toy\): option skip was retired in 0.2.0, see CHANGELOG/,
  );
  assert.deepEqual(findRetiredOption({ 'nested.old': 'gone' }, { nested: { old: 1 } }), {
    path: 'nested.old',
    note: 'gone',
  });
  assert.equal(findRetiredOption({ 'nested.old': 'gone' }, { nested: 3 }), undefined);
  assert.throws(
    () => resolveOptionsInCode(plugin, { skip: 1 }, 'toy model'),
    /^RangeError: toy model: option skip was retired/,
  );
});

test('resolveOptionsInCode: the same resolution for code, with errors naming the option', () => {
  assert.deepEqual(resolveOptionsInCode(plugin, { layers: [2], mode: undefined }, 'toy model'), {
    layers: [2],
    mode: 'a',
    activations: ['tanh'],
  });
  const given = { layers: [2] };
  resolveOptionsInCode(plugin, given, 'toy model');
  assert.deepEqual(given, { layers: [2] }, 'works on a copy');
  const fails = (o: unknown, re: RegExp) => assert.throws(() => resolveOptionsInCode(plugin, o, 'toy model'), re);
  fails({ layers: [0] }, /toy model: option layers\[0\] must be ≥ 1, got 0/);
  fails({ mode: 'c' }, /option mode must be 'a' or 'b', got "c"/);
  fails({ layer: [1] }, /option layer is not an option/);
  fails({ layers: 3 }, /option layers must be a list, got 3/);
  fails({ layers: [1, Infinity] }, /option layers\[1\] must be a finite number, got Infinity/);
  fails({ pick: 'some' }, /option pick must be 'all' or a non-empty list of integers, got "some"/);
  fails({ pick: [1, 1] }, /option pick must NOT have duplicate items/);
  fails({ activations: ['a'] }, /option activations must list one per layer \(3\)/);
});
