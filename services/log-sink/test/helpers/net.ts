/** Loopback port helpers for process tests. */
import { connect } from 'node:net';

/** Ports outside the ephemeral range: the sink child binds them later (see @zeek-relay/test-support). */
export { freePort } from '@zeek-relay/test-support';

/** Whether something accepts TCP connections on 127.0.0.1:port. */
export function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const c = connect(port, '127.0.0.1');
    c.once('connect', () => {
      c.destroy();
      resolve(true);
    });
    c.once('error', () => resolve(false));
  });
}
