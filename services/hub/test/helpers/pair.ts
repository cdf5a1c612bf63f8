/** A healthy libzmq publisher and subscriber through a hub, beside peers that misbehave. */
import assert from 'node:assert/strict';
import { XPublisher, XSubscriber } from 'zeromq';

/** Socket options of both sockets (CURVE keys, or none). */
type PairOptions = Omit<ConstructorParameters<typeof XPublisher>[0] & object, 'linger'>;

/** The pair, connected and forwarding. */
export interface HealthyPair {
  readonly pub: XPublisher;
  readonly sub: XSubscriber;
  /** Checks the hub still forwards: one new event on `t.ok` from `pub` reaches `sub`. */
  healthy(): Promise<void>;
  close(): void;
}

/**
 * Connects a subscriber to `t.ok` at `subEndpoint` and a publisher at `pubEndpoint`, waits until the
 * publisher has the subscription (both handshakes done) and one event got through.
 */
export async function healthyPair(
  pubEndpoint: string,
  subEndpoint: string,
  options: PairOptions = {},
): Promise<HealthyPair> {
  const pub = new XPublisher({ linger: 0, ...options });
  const sub = new XSubscriber({ linger: 0, ...options });
  let seq = 0;
  const pair: HealthyPair = {
    pub,
    sub,
    async healthy() {
      const n = String(++seq);
      await pub.send(['t.ok', n]);
      const [topic, body] = await sub.receive();
      assert.equal(topic?.toString(), 't.ok');
      assert.equal(body?.toString(), n);
    },
    close() {
      pub.close();
      sub.close();
    },
  };
  try {
    sub.connect(subEndpoint);
    await sub.send(Buffer.from('\x01t.ok'));
    pub.connect(pubEndpoint);
    await pub.receive(); // the subscription: both sockets are through their handshake
    await pair.healthy();
    return pair;
  } catch (err) {
    pair.close();
    throw err;
  }
}
