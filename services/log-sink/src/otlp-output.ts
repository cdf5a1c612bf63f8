/**
 * OTLP logs to an OpenTelemetry Collector (OTLP/HTTP): one log record per Zeek record, the path as
 * the instrumentation scope name and as attribute `zeek.log.path`, every set column as an
 * attribute (name = Zeek column name), the `ts` column (if any) as the record's timestamp, and
 * the Zeek JSON line as body. The SDK's batch processor buffers up to `otlpMaxQueueSize` records and
 * drops beyond that (the collector being down must not stop the file writers).
 */
import {
  SeverityNumber,
  type AnyValue,
  type LogAttributes,
  type Logger as OtelLogger,
} from '@opentelemetry/api-logs';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs';
import {
  createJsonRenderer,
  formatLogAddr,
  formatLogSubnet,
  type LogBatch,
  type LogBatchHeader,
  type LogElement,
  type LogTextRenderer,
} from '@zeek-relay/wire';
import type { SinkConfig } from './config.js';
import type { SinkOutput } from './outputs.js';
import { jsonOptions, textSettingsOf } from './text-options.js';
import { ATTR_LOG_PATH } from './metrics.js';

const utf8 = new TextDecoder('utf-8', { fatal: false });

/** A Zeek value as an OTLP AnyValue (64-bit integers beyond 2^53 as decimal strings). */
export function toAnyValue(v: LogElement): AnyValue {
  if (v === null) return null;
  switch (v.type) {
    case 'bool':
      return v.value;
    case 'int':
    case 'count':
      return v.value >= BigInt(Number.MIN_SAFE_INTEGER) && v.value <= BigInt(Number.MAX_SAFE_INTEGER)
        ? Number(v.value)
        : v.value.toString();
    case 'double':
    case 'time':
    case 'interval':
      return v.value;
    case 'string':
    case 'enum':
    case 'func':
    case 'file':
      return utf8.decode(v.value);
    case 'port':
      return v.value;
    case 'addr':
      return formatLogAddr(v.value);
    case 'subnet':
      return formatLogSubnet(v);
    case 'table':
    case 'vector':
      return v.value.map(toAnyValue);
    case 'unset':
      return null;
    default: {
      const never: never = v;
      return String(never);
    }
  }
}

/** Creates the OTLP writer exporting to `config.otlpUrl`. */
export function createOtlpOutput(config: SinkConfig, serviceName: string): SinkOutput {
  const exporter = new OTLPLogExporter({ url: config.otlpUrl });
  const provider = new LoggerProvider({
    resource: resourceFromAttributes({ 'service.name': serviceName }),
    processors: [
      new BatchLogRecordProcessor({
        exporter,
        maxQueueSize: config.otlpMaxQueueSize,
        maxExportBatchSize: Math.min(config.otlpMaxQueueSize, 2048),
        scheduledDelayMillis: 200,
      }),
    ],
  });
  const text = textSettingsOf(config);
  const loggers = new Map<string, OtelLogger>();
  const renderers = new WeakMap<LogBatchHeader, LogTextRenderer>();
  return {
    kind: 'otlp',
    async start() {},
    write(batch: LogBatch) {
      const { header } = batch;
      let logger = loggers.get(header.path);
      if (logger === undefined) {
        logger = provider.getLogger(header.path);
        loggers.set(header.path, logger);
      }
      let r = renderers.get(header);
      if (r === undefined) {
        r = createJsonRenderer(header, { ...jsonOptions(text, header.path), includeUnsetFields: false });
        renderers.set(header, r);
      }
      const tsIndex = header.fields.findIndex((f) => f.name === 'ts' && f.type === 'time');
      const fields = header.fields;
      for (const record of batch.records) {
        const attributes: LogAttributes = { [ATTR_LOG_PATH]: header.path };
        for (let i = 0; i < fields.length; i++) {
          const v = record[i] ?? null;
          if (v !== null && v.type !== 'unset')
            attributes[(fields[i] as { name: string }).name] = toAnyValue(v);
        }
        const ts = tsIndex >= 0 ? record[tsIndex] : undefined;
        const line = Buffer.from(r.records([record]))
          .toString('utf8')
          .trimEnd();
        logger.emit({
          ...(ts && ts.type === 'time' && Number.isFinite(ts.value) ? { timestamp: ts.value * 1000 } : {}),
          severityNumber: SeverityNumber.INFO,
          body: line,
          attributes,
        });
      }
    },
    rotateAll() {},
    sync() {},
    async flush() {
      await provider.forceFlush();
    },
    async close() {
      await provider.shutdown();
    },
  };
}
