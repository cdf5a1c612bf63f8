import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { setImmediate as flush } from 'node:timers/promises';
import { createLogger } from '@zeek-relay/runtime';
import type { Lease, LeaseClient } from '../../src/kube/api.js';
import { LeaderElector, systemClock, type Clock } from '../../src/kube/leader-election.js';

const log = createLogger({ service: 'test', level: 'silent' });
const OPTS = {
  namespace: 'ns',
  name: 'op',
  leaseDurationSeconds: 15,
  renewDeadlineSeconds: 10,
  retryPeriodSeconds: 2,
};

/** One API server's Lease, with resourceVersion conflicts like the real one. */
class LeaseStore {
  lease?: Lease;
  private rv = 0;
  /** Every holder written, in order (who led when). */
  readonly holders: string[] = [];

  client(name: string, down = { value: false }): LeaseClient & { down: { value: boolean } } {
    const check = (): void => {
      if (down.value) throw new Error(`${name}: connection refused`);
    };
    return {
      down,
      getLease: async () => (check(), this.lease ? structuredClone(this.lease) : undefined),
      createLease: async (l) => {
        check();
        if (this.lease) return false;
        this.write(l);
        return true;
      },
      replaceLease: async (l) => {
        check();
        if (l.metadata.resourceVersion !== this.lease?.metadata.resourceVersion) return false;
        this.write(l);
        return true;
      },
    };
  }

  private write(l: Lease): void {
    this.lease = structuredClone({ ...l, metadata: { ...l.metadata, resourceVersion: String(++this.rv) } });
    const h = l.spec?.holderIdentity ?? '';
    if (this.holders.at(-1) !== h) this.holders.push(h);
  }
}

/** Monotonic time shared by all replicas (it runs at the same rate everywhere); wall time skewed per replica. */
class FakeTime {
  ms = 0;
  private timers: { at: number; resolve: () => void }[] = [];
  /** Most `abort` listeners seen on a signal handed to sleep(), at the moment of the call. */
  maxAbortListeners = 0;
  clock(skewMs: number): Clock {
    return {
      now: () => this.ms,
      wall: () => new Date(Date.UTC(2026, 0, 1) + this.ms + skewMs),
      // As Clock requires: whatever it adds to `signal` is removed when the sleep ends either way.
      sleep: (ms, signal) =>
        new Promise<void>((resolve) => {
          this.maxAbortListeners = Math.max(
            this.maxAbortListeners,
            getEventListeners(signal, 'abort').length,
          );
          if (signal.aborted) return resolve();
          const done = (): void => {
            signal.removeEventListener('abort', done);
            resolve();
          };
          this.timers.push({ at: this.ms + ms, resolve: done });
          signal.addEventListener('abort', done, { once: true });
        }),
    };
  }
  /** Advances time by `ms` in 100 ms steps, letting the electors run between steps. */
  async advance(ms: number): Promise<void> {
    for (const end = this.ms + ms; this.ms < end; ) {
      this.ms += 100;
      const due = this.timers.filter((t) => t.at <= this.ms);
      this.timers = this.timers.filter((t) => t.at > this.ms);
      for (const t of due) t.resolve();
      for (let i = 0; i < 10; i++) await flush();
    }
  }
}

function elector(store: LeaseStore, time: FakeTime, identity: string, skewMs = 0) {
  const client = store.client(identity);
  const lost: number[] = [];
  const e = new LeaderElector(client, log, { ...OPTS, identity }, time.clock(skewMs));
  let won: boolean | undefined;
  const acquiring = e.acquire(() => lost.push(time.ms)).then((w) => (won = w));
  return { e, client, lost, acquiring, won: () => won };
}

for (const skew of [60_000, -60_000]) {
  test(`a renewing leader keeps the Lease when the other replica's clock is ${skew > 0 ? '+' : '−'}1 min off`, async () => {
    const store = new LeaseStore();
    const time = new FakeTime();
    const a = elector(store, time, 'a');
    await time.advance(100);
    assert.equal(a.won(), true);
    const b = elector(store, time, 'b', skew);
    await time.advance(120_000);
    assert.equal(b.won(), undefined, 'b never leads while a renews');
    assert.deepEqual(store.holders, ['a']);
    assert.deepEqual(a.lost, []);
    assert.equal(a.e.isLeader, true);
    await b.e.release();
    await a.e.release();
  });
}

test('a holder that stops renewing loses the Lease after leaseDuration of observed time, not before', async () => {
  const store = new LeaseStore();
  const time = new FakeTime();
  const a = elector(store, time, 'a', -60_000); // its renewTime looks a minute stale to b
  await time.advance(100);
  const b = elector(store, time, 'b');
  await time.advance(3_000);
  a.client.down.value = true; // a is partitioned from the API server from here on
  const stoppedAt = time.ms;
  await time.advance(14_000);
  assert.equal(b.won(), undefined, 'not expired yet: the record changed < 15 s ago');
  await time.advance(4_000);
  assert.equal(b.won(), true);
  assert.deepEqual(store.holders, ['a', 'b']);
  assert.equal(store.lease?.spec?.leaseTransitions, 1);
  // The partitioned leader gave up after its renew deadline (10 s), before b could take over (15 s).
  assert.equal(a.lost.length, 1);
  assert.ok((a.lost[0] ?? 0) - stoppedAt <= 12_000, `a gave up at +${(a.lost[0] ?? 0) - stoppedAt} ms`);
  await a.e.release();
  await b.e.release();
});

test('release on shutdown clears the holder and the next replica takes over at once', async () => {
  const store = new LeaseStore();
  const time = new FakeTime();
  const a = elector(store, time, 'a');
  await time.advance(100);
  const b = elector(store, time, 'b');
  await time.advance(2_000);
  await a.e.release();
  assert.equal(store.lease?.spec?.holderIdentity, '');
  assert.equal(a.e.isLeader, false);
  await time.advance(2_100); // b's next retry
  assert.equal(b.won(), true);
  assert.deepEqual(store.holders, ['a', '', 'b']);
  assert.deepEqual(a.lost, [], 'a released, it did not lose');
  await b.e.release();
  assert.equal(await a.acquiring, true);
});

test('a leader that sees another holder steps down at once', async () => {
  const store = new LeaseStore();
  const time = new FakeTime();
  const a = elector(store, time, 'a');
  await time.advance(100);
  // Someone else wrote the Lease (e.g. a took too long and was judged expired).
  const lease = structuredClone(store.lease) as Lease;
  lease.spec = { ...lease.spec, holderIdentity: 'z', renewTime: '2026-01-01T00:00:00.000000Z' };
  assert.equal(await store.client('z').replaceLease(lease), true);
  await time.advance(2_100);
  assert.equal(a.lost.length, 1);
  assert.equal(a.e.isLeader, false);
  await a.e.release();
  assert.equal(store.lease?.spec?.holderIdentity, 'z', 'release does not free a Lease held by another');
});

test('stopping before leadership resolves acquire() with false', async () => {
  const store = new LeaseStore();
  const time = new FakeTime();
  const a = elector(store, time, 'a');
  await time.advance(100);
  const b = elector(store, time, 'b');
  await time.advance(100);
  await b.e.release();
  assert.equal(await b.acquiring, false);
  await a.e.release();
});

test('a long-lived leader and a standby add no abort listener per retry (500 renew cycles)', async () => {
  const store = new LeaseStore();
  const time = new FakeTime();
  const a = elector(store, time, 'a');
  await time.advance(100);
  const b = elector(store, time, 'b');
  await time.advance(1_000_000); // 500 retry periods of 2 s, for the leader and the standby alike
  assert.equal(a.e.isLeader, true);
  assert.ok(time.maxAbortListeners <= 1, `${time.maxAbortListeners} abort listeners on one signal`);
  await b.e.release();
  await a.e.release();
});

test('systemClock.sleep removes its abort listener whether it wakes up or is aborted', async () => {
  const abort = new AbortController();
  for (let i = 0; i < 50; i++) await systemClock.sleep(0, abort.signal);
  assert.equal(getEventListeners(abort.signal, 'abort').length, 0, 'after 50 completed sleeps');
  const pending = systemClock.sleep(60_000, abort.signal);
  assert.equal(getEventListeners(abort.signal, 'abort').length, 1, 'while one sleeps');
  abort.abort();
  await pending;
  assert.equal(getEventListeners(abort.signal, 'abort').length, 0, 'after the abort');
});
