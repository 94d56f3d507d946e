import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatIssues, schemaProblem, validateAgainst } from './validate.js';

const schema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    n: { type: 'integer', minimum: 1, default: 4 },
    mode: { enum: ['a', 'b'], default: 'a' },
    inner: { type: 'object', default: {}, properties: { x: { type: 'number', default: 0.5 } } },
  },
};

test('validateAgainst fills defaults in place, nested objects included', () => {
  const v: any = {};
  assert.deepEqual(validateAgainst(schema, v), []);
  assert.deepEqual(v, { n: 4, mode: 'a', inner: { x: 0.5 } });
  const w: any = { n: 9, inner: { x: 2 } };
  assert.deepEqual(validateAgainst(schema, w), []);
  assert.deepEqual(w, { n: 9, mode: 'a', inner: { x: 2 } });
});

test('validateAgainst reports every issue with its JSON path and a readable message', () => {
  const issues = validateAgainst(schema, { n: 'two', mode: 'c', extra: 1, inner: { x: 'far' } });
  const byPath = Object.fromEntries(issues.map((i) => [i.path + ' ' + i.message, true]));
  assert.ok(byPath['/n must be integer'], JSON.stringify(issues));
  assert.ok(byPath['/mode must be one of ["a","b"]'], JSON.stringify(issues));
  assert.ok(byPath['/ unknown property "extra"'], JSON.stringify(issues));
  assert.ok(byPath['/inner/x must be number'], JSON.stringify(issues));
});

test('formatIssues prefixes paths (plugin options live under /<slot>/options) and drops the bare root', () => {
  assert.equal(
    formatIssues([{ path: '/n', message: 'must be integer' }], '/model/options'),
    '  /model/options/n must be integer',
  );
  assert.equal(formatIssues([{ path: '/', message: 'unknown property "e"' }]), '  unknown property "e"');
  assert.equal(
    formatIssues([{ path: '/', message: 'unknown property "e"' }], '/model/options'),
    '  /model/options unknown property "e"',
  );
  assert.equal(
    formatIssues([
      { path: '/a', message: 'x' },
      { path: '/b', message: 'y' },
    ]),
    '  /a x\n  /b y',
  );
});

test('schemaProblem accepts valid schemas and explains invalid ones', () => {
  assert.equal(schemaProblem(schema), undefined);
  assert.equal(schemaProblem({ type: 'object', properties: {} }), undefined);
  assert.match(schemaProblem({ type: 'nonsense' }) ?? '', /type/);
  assert.match(schemaProblem({ properties: { a: { minimum: 'one' } } }) ?? '', /minimum/);
});
