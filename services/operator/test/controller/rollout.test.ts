import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planRollout, type WorkloadState } from '../../src/controller/rollout.js';

const s = (configHash: string, rolledOut = true): WorkloadState => ({
  desired: 1,
  current: 1,
  ready: rolledOut ? 1 : 0,
  rolledOut,
  configHash,
});
const stages = (m: WorkloadState | undefined, p: WorkloadState | undefined, w: WorkloadState | undefined) => [
  { name: 'manager', state: m },
  { name: 'proxy', state: p },
  { name: 'worker', state: w },
];

test('new workloads start with the new hash at once', () => {
  const plan = planRollout('new', false, stages(undefined, undefined, undefined));
  assert.deepEqual(plan.hashes, { manager: 'new', proxy: 'new', worker: 'new' });
  assert.equal(plan.progressing, false);
});

test('nothing rolls while the gate (hub + sinks ready) is closed', () => {
  const plan = planRollout('new', false, stages(s('old'), s('old'), s('old')));
  assert.deepEqual(plan.hashes, { manager: 'old', proxy: 'old', worker: 'old' });
  assert.equal(plan.progressing, true);
});

test('stages roll strictly in order: manager, then proxies, then workers', () => {
  let plan = planRollout('new', true, stages(s('old'), s('old'), s('old')));
  assert.deepEqual(plan.hashes, { manager: 'new', proxy: 'old', worker: 'old' });
  assert.equal(plan.current, 'manager');
  plan = planRollout('new', true, stages(s('new', false), s('old'), s('old')));
  assert.deepEqual(plan.hashes, { manager: 'new', proxy: 'old', worker: 'old' });
  plan = planRollout('new', true, stages(s('new'), s('old'), s('old')));
  assert.deepEqual(plan.hashes, { manager: 'new', proxy: 'new', worker: 'old' });
  assert.equal(plan.current, 'proxy');
  plan = planRollout('new', true, stages(s('new'), s('new'), s('old')));
  assert.deepEqual(plan.hashes, { manager: 'new', proxy: 'new', worker: 'new' });
  plan = planRollout('new', true, stages(s('new'), s('new'), s('new')));
  assert.equal(plan.progressing, false);
});

test('a stage already on the new hash keeps it even when the gate closes again', () => {
  const plan = planRollout('new', false, stages(s('new', false), s('old'), s('old')));
  assert.deepEqual(plan.hashes, { manager: 'new', proxy: 'old', worker: 'old' });
});
