import type { BrokerData } from '../value.js';

/** Broker's total order on values (broker-bin-v1.md §3.6): negative, 0 or positive. */
export function compareData(a: BrokerData, b: BrokerData): number {
  void a;
  void b;
  return 0;
}

/** Structural equality under Broker's order. */
export function dataEquals(a: BrokerData, b: BrokerData): boolean {
  return compareData(a, b) === 0;
}
