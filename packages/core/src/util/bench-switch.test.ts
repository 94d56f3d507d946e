import { test } from 'node:test';
import assert from 'node:assert/strict';
import { benchSwitch } from './bench-switch.js';

test('a bench switch is on by default, and two handles of one name share its state', () => {
  const a = benchSwitch('test.shared'),
    b = benchSwitch('test.shared'),
    other = benchSwitch('test.other');
  assert.equal(a.enabled(), true);
  a.set(false);
  assert.equal(b.enabled(), false, 'the same name is the same switch (Symbol.for), as for a second copy of core');
  assert.equal(other.enabled(), true, 'another name is untouched');
  b.set(true);
  assert.equal(a.enabled(), true);
});
