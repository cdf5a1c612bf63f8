/**
 * The sink's instruments (names `zeek_relay.sink.*`; Prometheus shows `.` as `_` and adds `_total`
 * to counters). Created once per sink from the meter it is given; only @opentelemetry/api here.
 */
import type { Attributes, Counter, Histogram, Meter, ObservableResult } from '@opentelemetry/api';
import type { SpecialisedStats } from '@zeek-relay/wire';
import type { BadInputReason } from './errors.js';
import type { HandshakeFailureKind } from './handshake-monitor.js';

export const METRIC_RECORDS = 'zeek_relay.sink.records';
export const METRIC_BATCHES = 'zeek_relay.sink.batches';
export const METRIC_BYTES = 'zeek_relay.sink.written';
export const METRIC_RECEIVED_BYTES = 'zeek_relay.sink.received';
export const METRIC_ERRORS = 'zeek_relay.sink.errors';
export const METRIC_ROTATIONS = 'zeek_relay.sink.rotations';
export const METRIC_WRITE_DURATION = 'zeek_relay.sink.write.duration';
export const METRIC_QUEUE_DEPTH = 'zeek_relay.sink.queue.depth';
export const METRIC_QUEUE_BYTES = 'zeek_relay.sink.queue.bytes';
export const METRIC_PAUSES = 'zeek_relay.sink.intake.pauses';
export const METRIC_HANDSHAKE_FAILURES = 'zeek_relay.sink.handshake.failures';
export const METRIC_ZAP_REQUESTS = 'zeek_relay.sink.zap.requests';
export const METRIC_PEER_ERRORS = 'zeek_relay.sink.peer.errors';
/** Prefix of the generated-loop cache counters (`.compiled`, `.hits`, `.evicted`, `.failed`). */
export const METRIC_RENDER_LOOPS = 'zeek_relay.sink.render.loops';

/** What each generated-loop cache counter counts (summed over the threads that render). */
const RENDER_LOOP_COUNTERS: Record<keyof SpecialisedStats, string> = {
  compiled: 'Per-schema record loops compiled (a schema and writer not seen before)',
  hits: 'Renderers that reused a compiled per-schema record loop',
  evicted: 'Compiled per-schema record loops dropped from the bounded cache',
  failed: 'Per-schema record loops not compiled (code generation disabled): generic rendering',
};

/** Observable counters of the generated-loop caches, read from `loops()` at each collection. */
function renderLoopCounters(meter: Meter, loops: () => SpecialisedStats): void {
  for (const key of Object.keys(RENDER_LOOP_COUNTERS) as (keyof SpecialisedStats)[]) {
    meter
      .createObservableCounter(`${METRIC_RENDER_LOOPS}.${key}`, {
        unit: '{loop}',
        description: RENDER_LOOP_COUNTERS[key],
      })
      .addCallback((r: ObservableResult) => r.observe(loops()[key]));
  }
}

/**
 * Attribute carrying the Zeek log path (`conn`). It comes from the network, so the set is capped:
 * the first `maxPathLabels` distinct paths keep their name, later ones share {@link OTHER_PATH}.
 */
export const ATTR_LOG_PATH = 'zeek.log.path';
/** The `zeek.log.path` value of every path beyond the cap. */
export const OTHER_PATH = 'other';
/** Attribute naming the writer (`tsv`, `json`, `stdout`, `otlp`). */
export const ATTR_OUTPUT = 'zeek_relay.sink.output';
/** Semantic-convention attribute for error categories. */
export const ATTR_ERROR_TYPE = 'error.type';

/** What the queue-depth gauges read. */
export interface QueueProbe {
  /** Batches received and not yet written by every writer. */
  batches(): number;
  /** Rendered bytes waiting for the disk. */
  bytes(): number;
}

/** The sink's instruments, created once. */
export class SinkMetrics {
  private readonly records: Counter;
  private readonly batches: Counter;
  private readonly written: Counter;
  private readonly received: Counter;
  private readonly errors: Counter;
  private readonly rotations: Counter;
  private readonly pauses: Counter;
  private readonly writeDuration: Histogram;
  private readonly handshakeFailures: Counter;
  private readonly zapRequests: Counter;
  private readonly peerErrors: Counter;
  private readonly pathAttrs = new Map<string, Attributes>();
  private readonly writtenAttrs = new Map<string, Attributes>();
  private readonly otherAttrs: Attributes = { [ATTR_LOG_PATH]: OTHER_PATH };

  constructor(
    meter: Meter,
    probe: QueueProbe,
    private readonly maxPathLabels = 100,
    loops?: () => SpecialisedStats,
  ) {
    if (loops) renderLoopCounters(meter, loops);
    this.records = meter.createCounter(METRIC_RECORDS, {
      unit: '{record}',
      description: 'Log records accepted, per path',
    });
    this.batches = meter.createCounter(METRIC_BATCHES, {
      unit: '{batch}',
      description: 'Log batches accepted, per path',
    });
    this.received = meter.createCounter(METRIC_RECEIVED_BYTES, {
      unit: 'By',
      description: 'Batch payload bytes accepted, per path',
    });
    this.written = meter.createCounter(METRIC_BYTES, {
      unit: 'By',
      description: 'Bytes written to log files and stdout, per path and writer',
    });
    this.errors = meter.createCounter(METRIC_ERRORS, {
      unit: '{message}',
      description: 'Messages dropped (error.type = reason) and write failures',
    });
    this.rotations = meter.createCounter(METRIC_ROTATIONS, {
      unit: '{rotation}',
      description: 'Log file rotations, by reason',
    });
    this.pauses = meter.createCounter(METRIC_PAUSES, {
      unit: '{pause}',
      description: 'Times intake stopped reading because the write queue was full',
    });
    this.handshakeFailures = meter.createCounter(METRIC_HANDSHAKE_FAILURES, {
      unit: '{connection}',
      description: 'Failed ZMTP/CURVE handshakes on the PULL socket (error.type = protocol|auth|other)',
    });
    this.zapRequests = meter.createCounter(METRIC_ZAP_REQUESTS, {
      unit: '{request}',
      description: 'CURVE client authentications (result = accepted|rejected)',
    });
    this.peerErrors = meter.createCounter(METRIC_PEER_ERRORS, {
      unit: '{connection}',
      description:
        'intake=zmtp: established node connections the sink closed (error.type = ZR_SINK_PEER_PROTOCOL|ZR_SINK_PEER_TIMEOUT|ZR_SINK_CURVE_PEER)',
    });
    this.writeDuration = meter.createHistogram(METRIC_WRITE_DURATION, {
      unit: 's',
      description: 'Duration of one file write (one or more batches)',
      advice: {
        explicitBucketBoundaries: [
          0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
        ],
      },
    });
    meter
      .createObservableGauge(METRIC_QUEUE_DEPTH, {
        unit: '{batch}',
        description: 'Batches received but not yet written',
      })
      .addCallback((r: ObservableResult) => r.observe(probe.batches()));
    meter
      .createObservableGauge(METRIC_QUEUE_BYTES, {
        unit: 'By',
        description: 'Rendered bytes waiting for the disk',
      })
      .addCallback((r: ObservableResult) => r.observe(probe.bytes()));
  }

  private attrs(path: string): Attributes {
    let a = this.pathAttrs.get(path);
    if (a === undefined) {
      if (this.pathAttrs.size >= this.maxPathLabels) return this.otherAttrs;
      a = { [ATTR_LOG_PATH]: path };
      this.pathAttrs.set(path, a);
    }
    return a;
  }

  batchAccepted(path: string, records: number, bytes: number): void {
    const a = this.attrs(path);
    this.batches.add(1, a);
    this.records.add(records, a);
    this.received.add(bytes, a);
  }

  bytesWritten(path: string, output: string, bytes: number): void {
    const label = this.attrs(path)[ATTR_LOG_PATH] as string;
    const key = `${output}\u0000${label}`;
    let a = this.writtenAttrs.get(key);
    if (a === undefined) {
      a = { [ATTR_LOG_PATH]: label, [ATTR_OUTPUT]: output };
      this.writtenAttrs.set(key, a);
    }
    this.written.add(bytes, a);
  }

  badInput(reason: BadInputReason, n = 1): void {
    if (n > 0) this.errors.add(n, { [ATTR_ERROR_TYPE]: reason });
  }

  writeFailed(output: string): void {
    this.errors.add(1, { [ATTR_ERROR_TYPE]: 'write_failed', [ATTR_OUTPUT]: output });
  }

  rotated(reason: string): void {
    this.rotations.add(1, { reason });
  }

  intakePaused(): void {
    this.pauses.add(1);
  }

  handshakeFailed(kind: HandshakeFailureKind): void {
    this.handshakeFailures.add(1, { [ATTR_ERROR_TYPE]: kind });
  }

  zap(accepted: boolean): void {
    this.zapRequests.add(1, { result: accepted ? 'accepted' : 'rejected' });
  }

  peerError(code: string): void {
    this.peerErrors.add(1, { [ATTR_ERROR_TYPE]: code });
  }

  writeTook(seconds: number, output: string): void {
    this.writeDuration.record(seconds, { [ATTR_OUTPUT]: output });
  }
}
