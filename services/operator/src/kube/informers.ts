import {
  makeInformer,
  type Informer,
  type KubernetesObject,
  type ObjectCache,
} from '@kubernetes/client-node';
import type { Logger } from '@zeek-relay/runtime';
import type { OperatorMetrics } from '../metrics.js';
import type { K8sObject } from '../controller/resources/meta.js';
import type { InformerSource, KindInfo, ObjectStore, WatchedKind, WatchHandler } from './api.js';
import type { KubeClient } from './client.js';

export type { KindInfo, WatchedKind } from './api.js';

/**
 * Runs list+watch informers (client-node `makeInformer`) for a set of kinds and keeps them alive:
 * client-node 1.4 stops a watch for good on any error except 410, so every `error` schedules a
 * restart with jittered exponential backoff (1 s → 30 s), and a periodic watchdog restarts any
 * informer that is still down. `onEvent` sees every add/update/delete.
 */
export class InformerSet implements InformerSource {
  private readonly entries: {
    kind: WatchedKind & { synced: boolean };
    informer: Informer<KubernetesObject> & ObjectCache<KubernetesObject>;
    failed: boolean;
    attempts: number;
    timer?: NodeJS.Timeout;
    /** Last event or (re)connect; a watch silent for longer than `staleMs` is restarted. */
    lastActivity: number;
  }[] = [];
  private watchdog?: NodeJS.Timeout;
  private stopped = false;

  constructor(
    private readonly client: KubeClient,
    private readonly log: Logger,
    private readonly metrics: OperatorMetrics,
    private readonly opts: {
      namespace: string;
      labelSelector?: string;
      watchdogMs: number;
      staleMs?: number;
    },
  ) {}

  private get staleMs(): number {
    return this.opts.staleMs ?? 70 * 60_000;
  }

  /** Registers a kind; call before {@link start}. */
  add(info: KindInfo, onEvent: WatchHandler, labelSelector = this.opts.labelSelector): WatchedKind {
    const ns = this.opts.namespace ? `/namespaces/${this.opts.namespace}` : '';
    const path = `${info.base}${ns}/${info.plural}`;
    const kind = { info, cache: undefined as unknown as ObjectStore, synced: false };
    const list = async () => {
      const res = await this.client.listRaw(info, this.opts.namespace, labelSelector);
      kind.synced = true;
      return res as never;
    };
    const informer = makeInformer<KubernetesObject>(this.client.kc, path, list, labelSelector);
    kind.cache = informer as unknown as ObjectStore;
    const entry: (typeof this.entries)[number] = {
      kind,
      informer,
      failed: false,
      attempts: 0,
      lastActivity: Date.now(),
    };
    const touch = (): void => {
      entry.lastActivity = Date.now();
    };
    const on = (verb: 'add' | 'update' | 'delete') => (o: KubernetesObject) => {
      touch();
      onEvent(o as K8sObject, verb);
    };
    informer.on('add', on('add'));
    informer.on('update', on('update'));
    informer.on('delete', on('delete'));
    informer.on('connect', () => {
      touch();
      entry.failed = false;
    });
    informer.on('error', (err) => {
      if (this.stopped) return;
      entry.failed = true;
      this.log.warn({ err, kind: info.kind }, 'Watch stopped; restarting');
      this.scheduleRestart(entry);
    });
    this.entries.push(entry);
    return kind;
  }

  private scheduleRestart(entry: (typeof this.entries)[number]): void {
    if (entry.timer || this.stopped) return;
    const base = Math.min(1000 * 2 ** entry.attempts, 30_000);
    entry.attempts++;
    entry.timer = setTimeout(
      () => {
        entry.timer = undefined;
        if (this.stopped) return;
        this.metrics.watchRestarted(entry.kind.info.kind);
        entry.failed = false;
        entry.informer.start().then(
          () => {
            if (!entry.failed) entry.attempts = 0;
          },
          (err: unknown) => {
            entry.failed = true;
            this.log.warn({ err, kind: entry.kind.info.kind }, 'Watch restart failed');
            this.scheduleRestart(entry);
          },
        );
      },
      base / 2 + Math.random() * (base / 2),
    );
    entry.timer.unref();
  }

  /** Starts every informer and the watchdog; resolves when all have listed once. */
  async start(): Promise<void> {
    this.stopped = false;
    await Promise.all(
      this.entries.map((e) =>
        e.informer.start().catch((err: unknown) => {
          e.failed = true;
          this.log.warn({ err, kind: e.kind.info.kind }, 'Initial list failed; retrying');
          this.scheduleRestart(e);
        }),
      ),
    );
    this.watchdog = setInterval(() => {
      const now = Date.now();
      for (const e of this.entries) {
        if (e.failed) this.scheduleRestart(e);
        else if (now - e.lastActivity > this.staleMs) {
          // The API server ends every watch within --min-request-timeout × 2 (≤ 1 h by default)
          // and client-node reconnects ("connect"); silence beyond that is a hung watch (client-node #958).
          this.log.warn({ kind: e.kind.info.kind }, 'Watch silent for too long; restarting');
          e.lastActivity = now;
          e.failed = true;
          void e.informer.stop().then(() => this.scheduleRestart(e));
        }
      }
    }, this.opts.watchdogMs);
    this.watchdog.unref();
  }

  /** True when every kind has completed a list. */
  get synced(): boolean {
    return this.entries.every((e) => e.kind.synced);
  }

  /** Stops watches and timers; idempotent. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.watchdog) clearInterval(this.watchdog);
    for (const e of this.entries) {
      if (e.timer) clearTimeout(e.timer);
      await e.informer.stop();
    }
  }
}
