import type { Counter, Histogram, Meter, ObservableGauge, UpDownCounter } from '@opentelemetry/api';

export const METRIC_RECONCILE_DURATION = 'zeek_relay.operator.reconcile.duration';
export const METRIC_RECONCILES = 'zeek_relay.operator.reconciles';
export const METRIC_QUEUE_DEPTH = 'zeek_relay.operator.queue.depth';
export const METRIC_API_CALLS = 'zeek_relay.operator.api.calls';
export const METRIC_WATCH_RESTARTS = 'zeek_relay.operator.watch.restarts';
export const METRIC_LEADER = 'zeek_relay.operator.leader';
export const METRIC_DRIFT = 'zeek_relay.operator.drift.corrections';

/** API-call verbs that change cluster state (see {@link OperatorMetrics.writes}). */
export const WRITE_VERBS = ['apply', 'delete', 'patch-status', 'create-event'] as const;

/** The operator's instruments, created once. */
export class OperatorMetrics {
  readonly reconcileDuration: Histogram;
  readonly reconciles: Counter;
  readonly apiCalls: Counter;
  readonly watchRestarts: Counter;
  readonly leader: UpDownCounter;
  readonly drift: Counter;
  /** Children re-applied because their owned fields drifted, by kind. */
  readonly driftCounts = new Map<string, number>();
  private readonly queueGauge: ObservableGauge;
  /** Every API call by verb, also kept in memory (benchmarks and tests read it). */
  readonly apiCallCounts = new Map<string, number>();
  /** Watches restarted so far (also exported as a counter). */
  watchRestartCount = 0;
  /** Recent reconcile durations in seconds (ring of 10 000) for percentiles. */
  readonly recentDurations: number[] = [];

  constructor(meter: Meter, queueDepth: () => number) {
    this.reconcileDuration = meter.createHistogram(METRIC_RECONCILE_DURATION, {
      unit: 's',
      description: 'Duration of one reconcile, by result.',
    });
    this.reconciles = meter.createCounter(METRIC_RECONCILES, {
      unit: '{reconcile}',
      description: 'Reconciles by result.',
    });
    this.apiCalls = meter.createCounter(METRIC_API_CALLS, {
      unit: '{request}',
      description: 'Kubernetes API requests by verb (list/watch excluded).',
    });
    this.watchRestarts = meter.createCounter(METRIC_WATCH_RESTARTS, {
      unit: '{restart}',
      description: 'Watches restarted by the watchdog.',
    });
    this.leader = meter.createUpDownCounter(METRIC_LEADER, {
      unit: '{leader}',
      description: '1 while this replica holds the Lease.',
    });
    this.drift = meter.createCounter(METRIC_DRIFT, {
      unit: '{apply}',
      description:
        'Children re-applied because a field the operator owns was changed by someone else, by kind.',
    });
    this.queueGauge = meter.createObservableGauge(METRIC_QUEUE_DEPTH, {
      unit: '{item}',
      description: 'Keys waiting in the work queue.',
    });
    this.queueGauge.addCallback((r) => r.observe(queueDepth()));
  }

  /** Records one API request (`verb` ∈ apply, delete, patch-status, create-event, …). */
  apiCall(verb: string): void {
    this.apiCalls.add(1, { verb });
    this.apiCallCounts.set(verb, (this.apiCallCounts.get(verb) ?? 0) + 1);
  }

  /**
   * Writes to ZeekClusters, their children and Events so far (Lease renewals excluded: they are
   * the price of leader election, not reconcile output), for "no writes when idle" checks.
   */
  writes(): number {
    let n = 0;
    for (const verb of WRITE_VERBS) n += this.apiCallCounts.get(verb) ?? 0;
    return n;
  }

  /** Records a watch restart of `kind`. */
  watchRestarted(kind: string): void {
    this.watchRestarts.add(1, { kind });
    this.watchRestartCount++;
  }

  /** Records a child re-applied because its owned fields drifted. */
  driftCorrected(kind: string): void {
    this.drift.add(1, { kind });
    this.driftCounts.set(kind, (this.driftCounts.get(kind) ?? 0) + 1);
  }

  reconciled(seconds: number, result: 'success' | 'error' | 'invalid' | 'skipped'): void {
    this.reconcileDuration.record(seconds, { result });
    this.reconciles.add(1, { result });
    if (this.recentDurations.length >= 10_000) this.recentDurations.shift();
    this.recentDurations.push(seconds);
  }
}
