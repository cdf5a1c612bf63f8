/**
 * `@zeek-relay/cli/simulator`: simulated Zeek nodes for tests and benchmarks of every package.
 * See {@link startSimulation}.
 */
export {
  startSimulation,
  type Simulation,
  type SimulationStats,
  type SimulationSummary,
  type SimulatorOptions,
} from './simulator.js';
export {
  SimNode,
  type NodeEndpoints,
  type SimNodeCurve,
  type SimNodeOptions,
  type SimNodeStats,
} from './sim-node.js';
export { generatedLogs, recordedLogs, type LogSource } from './log-source.js';
export {
  STREAM_HEADERS,
  STREAM_NAMES,
  RecordGenerator,
  createRandom,
  type StreamName,
} from './log-streams.js';
export {
  APP_TOPIC_PREFIX,
  DEFAULT_EVENT_MIX,
  EVENT_KIND_INFO,
  EVENT_KINDS,
  parseMix,
  planEvent,
  WeightedCycle,
  type EventKind,
  type PlannedEvent,
} from './traffic.js';
export { DEFAULT_PORTS, defaultEndpoints } from '../defaults.js';
export { startSingleNode, type SingleNode, type SingleNodeOptions } from './single-node.js';
