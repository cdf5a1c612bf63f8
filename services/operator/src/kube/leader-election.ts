import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '@zeek-relay/runtime';
import type { Lease, LeaseClient } from './api.js';

/** Options of {@link LeaderElector}, with client-go's meaning and defaults (15 s / 10 s / 2 s). */
export interface LeaderElectionOptions {
  readonly namespace: string;
  readonly name: string;
  readonly identity: string;
  readonly leaseDurationSeconds: number;
  readonly renewDeadlineSeconds: number;
  readonly retryPeriodSeconds: number;
}

/** Time as leader election sees it (injected so tests can skew and advance it). */
export interface Clock {
  /** Monotonic milliseconds: the only time expiry is judged by. */
  now(): number;
  /** Wall-clock time, written into the Lease for people to read (never compared across replicas). */
  wall(): Date;
  /**
   * Resolves after `ms` of {@link now}, or early when `signal` aborts. The elector hands every
   * sleep the same long-lived signal, so whatever a sleep adds to it must be removed when the
   * sleep ends either way (one listener per retry period otherwise: an unbounded leak).
   */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

/** The process clock: `performance.now()` for expiry, `Date` for the Lease's timestamps. */
export const systemClock: Clock = {
  now: () => performance.now(),
  wall: () => new Date(),
  sleep: (ms, signal) => sleep(ms, undefined, { signal }).catch(() => undefined),
};

function microTime(d: Date): string {
  return d.toISOString().replace('Z', '000Z');
}

/** The parts of a Lease whose change proves its holder is alive. */
function recordOf(lease: Lease): string {
  const s = lease.spec ?? {};
  return JSON.stringify([
    s.holderIdentity,
    s.leaseDurationSeconds,
    s.acquireTime,
    s.renewTime,
    s.leaseTransitions,
  ]);
}

/**
 * Lease-based leader election on coordination.k8s.io/v1 with optimistic concurrency
 * (resourceVersion), judging expiry as client-go does: a Lease held by another replica is expired
 * only when its record (holder, renew time, transitions …) has not changed for
 * `leaseDurationSeconds` of *locally observed* monotonic time — its `renewTime` is never compared
 * with the local clock, so skewed clocks cannot make two leaders. A free Lease (no holder, as
 * {@link release} leaves it) is taken at once. The leader renews every retry period and gives up
 * when renewal has failed for `renewDeadlineSeconds` or another holder shows up (`onLost` is then
 * called once; the operator stops its controller).
 */
export class LeaderElector {
  private leading = false;
  private stopped = false;
  private loop?: Promise<void>;
  private readonly abort = new AbortController();
  /** The Lease record last seen and when (monotonic) it was first seen. */
  private observed?: { record: string; at: number };

  constructor(
    private readonly client: LeaseClient,
    private readonly log: Logger,
    private readonly o: LeaderElectionOptions,
    private readonly clock: Clock = systemClock,
  ) {}

  get isLeader(): boolean {
    return this.leading;
  }

  private observe(lease: Lease): void {
    const record = recordOf(lease);
    if (this.observed?.record !== record) this.observed = { record, at: this.clock.now() };
  }

  /** One acquire/renew attempt: 'held' when we hold the Lease afterwards, else who holds it. */
  private async tryAcquireOrRenew(): Promise<'held' | 'other' | 'failed'> {
    const now = microTime(this.clock.wall());
    const mine = {
      holderIdentity: this.o.identity,
      leaseDurationSeconds: this.o.leaseDurationSeconds,
      renewTime: now,
    };
    const lease = await this.client.getLease(this.o.namespace, this.o.name);
    if (!lease) {
      const fresh: Lease = {
        metadata: { name: this.o.name, namespace: this.o.namespace },
        spec: { ...mine, acquireTime: now, leaseTransitions: 0 },
      };
      if (!(await this.client.createLease(fresh))) return 'failed';
      this.observe(fresh);
      return 'held';
    }
    this.observe(lease);
    const holder = lease.spec?.holderIdentity ?? '';
    const durationMs = (lease.spec?.leaseDurationSeconds ?? this.o.leaseDurationSeconds) * 1000;
    const valid = holder !== '' && (this.observed?.at ?? 0) + durationMs > this.clock.now();
    if (holder !== this.o.identity && valid) return 'other';
    const next: Lease = {
      metadata: lease.metadata,
      spec:
        holder === this.o.identity
          ? { ...lease.spec, ...mine }
          : { ...mine, acquireTime: now, leaseTransitions: (lease.spec?.leaseTransitions ?? 0) + 1 },
    };
    if (!(await this.client.replaceLease(next))) return 'failed';
    this.observe(next);
    return 'held';
  }

  private async attempt(): Promise<'held' | 'other' | 'failed'> {
    try {
      return await this.tryAcquireOrRenew();
    } catch (err) {
      this.log.debug({ err }, 'Lease attempt failed');
      return 'failed';
    }
  }

  /**
   * Blocks until leadership is acquired (or {@link release}); then keeps renewing in the
   * background and calls `onLost` when it cannot. Resolves false when stopped first.
   */
  async acquire(onLost: () => void): Promise<boolean> {
    while (!this.stopped) {
      if ((await this.attempt()) === 'held') break;
      await this.clock.sleep(this.o.retryPeriodSeconds * 1000, this.abort.signal);
    }
    if (this.stopped) return false;
    this.leading = true;
    this.log.info(
      { lease: `${this.o.namespace}/${this.o.name}`, identity: this.o.identity },
      'Acquired Lease',
    );
    this.loop = this.renewLoop(onLost);
    return true;
  }

  private async renewLoop(onLost: () => void): Promise<void> {
    let lastRenew = this.clock.now();
    while (!this.stopped && this.leading) {
      await this.clock.sleep(this.o.retryPeriodSeconds * 1000, this.abort.signal);
      if (this.stopped) return;
      const got = await this.attempt();
      if (got === 'held') lastRenew = this.clock.now();
      else if (got === 'other' || this.clock.now() - lastRenew > this.o.renewDeadlineSeconds * 1000) {
        this.leading = false;
        this.log.error({ lease: this.o.name, reason: got }, 'Lost Lease');
        onLost();
      }
    }
  }

  /** Stops renewing; when leading, frees the Lease (holder cleared) so a successor starts at once. */
  async release(): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    await this.loop;
    if (!this.leading) return;
    this.leading = false;
    try {
      const lease = await this.client.getLease(this.o.namespace, this.o.name);
      if (lease?.spec?.holderIdentity !== this.o.identity) return;
      const now = microTime(this.clock.wall());
      const freed: Lease = {
        metadata: lease.metadata,
        spec: {
          ...lease.spec,
          holderIdentity: '',
          leaseDurationSeconds: 1,
          renewTime: now,
          acquireTime: now,
        },
      };
      if (await this.client.replaceLease(freed)) this.log.info('Released Lease');
    } catch (err) {
      this.log.warn({ err }, 'Could not release Lease');
    }
  }
}
