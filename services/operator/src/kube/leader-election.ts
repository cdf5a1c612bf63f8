import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '@zeek-relay/runtime';
import type { KubeClient } from './client.js';

/** Options of {@link LeaderElector}, with client-go's meaning and defaults (15 s / 10 s / 2 s). */
export interface LeaderElectionOptions {
  readonly namespace: string;
  readonly name: string;
  readonly identity: string;
  readonly leaseDurationSeconds: number;
  readonly renewDeadlineSeconds: number;
  readonly retryPeriodSeconds: number;
}

interface Lease {
  metadata: { name: string; namespace: string; resourceVersion?: string };
  spec?: {
    holderIdentity?: string;
    leaseDurationSeconds?: number;
    acquireTime?: string;
    renewTime?: string;
    leaseTransitions?: number;
  };
}

function microTime(d: Date): string {
  return d.toISOString().replace('Z', '000Z');
}

/**
 * Lease-based leader election on coordination.k8s.io/v1 with optimistic concurrency
 * (resourceVersion): acquire when the Lease is free or expired, renew every retry period, and
 * give up leadership when renewal has failed for `renewDeadlineSeconds` (`onLost` is then called
 * once; the operator shuts down, as client-go-based controllers do). `release()` frees the Lease
 * on graceful shutdown so a successor takes over at once.
 */
export class LeaderElector {
  private leading = false;
  private stopped = false;
  private loop?: Promise<void>;

  constructor(
    private readonly client: KubeClient,
    private readonly log: Logger,
    private readonly o: LeaderElectionOptions,
  ) {}

  private get path(): string {
    return `/apis/coordination.k8s.io/v1/namespaces/${this.o.namespace}/leases`;
  }

  get isLeader(): boolean {
    return this.leading;
  }

  /** One acquire/renew attempt; true when we hold the Lease afterwards. */
  private async tryAcquireOrRenew(): Promise<boolean> {
    const now = new Date();
    const res = await this.client.request('lease-get', 'GET', `${this.path}/${this.o.name}`);
    const spec = {
      holderIdentity: this.o.identity,
      leaseDurationSeconds: this.o.leaseDurationSeconds,
      renewTime: microTime(now),
    };
    if (res.status === 404) {
      const body: Lease = {
        metadata: { name: this.o.name, namespace: this.o.namespace },
        spec: { ...spec, acquireTime: microTime(now), leaseTransitions: 0 },
      };
      const created = await this.client.request('lease-write', 'POST', this.path, {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        ...body,
      });
      return created.status === 201;
    }
    if (res.status !== 200) return false;
    const lease = JSON.parse(res.body) as Lease;
    const holder = lease.spec?.holderIdentity ?? '';
    const renewed = lease.spec?.renewTime ? Date.parse(lease.spec.renewTime) : 0;
    const expired =
      renewed + (lease.spec?.leaseDurationSeconds ?? this.o.leaseDurationSeconds) * 1000 < now.getTime();
    if (holder !== '' && holder !== this.o.identity && !expired) return false;
    const takeover = holder !== this.o.identity;
    lease.spec = {
      ...lease.spec,
      ...spec,
      ...(takeover
        ? { acquireTime: microTime(now), leaseTransitions: (lease.spec?.leaseTransitions ?? 0) + 1 }
        : {}),
    };
    const put = await this.client.request('lease-write', 'PUT', `${this.path}/${this.o.name}`, {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      ...lease,
    });
    return put.status === 200;
  }

  /**
   * Blocks until leadership is acquired (or {@link stop}); then keeps renewing in the background
   * and calls `onLost` if renewal fails past the deadline. Resolves false when stopped first.
   */
  async acquire(onLost: () => void): Promise<boolean> {
    while (!this.stopped) {
      const ok = await this.tryAcquireOrRenew().catch((err: unknown) => {
        this.log.debug({ err }, 'Lease attempt failed');
        return false;
      });
      if (ok) break;
      await sleep(this.o.retryPeriodSeconds * 1000);
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
    let lastRenew = Date.now();
    while (!this.stopped && this.leading) {
      await sleep(this.o.retryPeriodSeconds * 1000);
      if (this.stopped) return;
      const ok = await this.tryAcquireOrRenew().catch(() => false);
      if (ok) lastRenew = Date.now();
      else if (Date.now() - lastRenew > this.o.renewDeadlineSeconds * 1000) {
        this.leading = false;
        this.log.error({ lease: this.o.name }, 'Lost Lease');
        onLost();
      }
    }
  }

  /** Stops renewing; when leading, frees the Lease (holder cleared) so a successor starts at once. */
  async release(): Promise<void> {
    this.stopped = true;
    await this.loop;
    if (!this.leading) return;
    this.leading = false;
    try {
      const res = await this.client.request('lease-get', 'GET', `${this.path}/${this.o.name}`);
      if (res.status !== 200) return;
      const lease = JSON.parse(res.body) as Lease;
      if (lease.spec?.holderIdentity !== this.o.identity) return;
      lease.spec = { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1 };
      await this.client.request('lease-write', 'PUT', `${this.path}/${this.o.name}`, {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        ...lease,
      });
      this.log.info('Released Lease');
    } catch (err) {
      this.log.warn({ err }, 'Could not release Lease');
    }
  }
}
