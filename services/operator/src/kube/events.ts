import { randomBytes } from 'node:crypto';
import type { ControllerClient } from './api.js';

/** What an Event is about. */
export interface EventTarget {
  apiVersion: string;
  kind: string;
  name: string;
  namespace: string;
  uid: string;
}

/**
 * Records events.k8s.io/v1 Events, once per distinct (object, reason, note): a level-based
 * reconcile runs often, and repeating the same Event on every pass would be noise and writes.
 * Failures are returned to the caller's logger, never thrown (events are best effort).
 */
export class EventRecorder {
  private readonly last = new Map<string, string>();
  constructor(
    private readonly client: Pick<ControllerClient, 'createEvent'>,
    private readonly instance: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async record(
    target: EventTarget,
    type: 'Normal' | 'Warning',
    reason: string,
    note: string,
    action = 'Reconcile',
  ): Promise<unknown> {
    const key = `${target.uid}/${reason}`;
    if (this.last.get(key) === note) return undefined;
    this.last.set(key, note);
    try {
      await this.client.createEvent({
        metadata: { name: `${target.name}.${randomBytes(8).toString('hex')}`, namespace: target.namespace },
        eventTime: this.now().toISOString().replace('Z', '000Z'),
        reportingController: 'zeek-relay.io/operator',
        reportingInstance: this.instance.slice(0, 128),
        action,
        reason,
        note: note.slice(0, 1024),
        type,
        regarding: target,
      });
      return undefined;
    } catch (err) {
      this.last.delete(key);
      return err;
    }
  }

  /** Forgets a deleted object's history. */
  forget(uid: string): void {
    for (const k of this.last.keys()) if (k.startsWith(`${uid}/`)) this.last.delete(k);
  }
}
