/**
 * The zeek-sim worker's stand-in for Zeek 9.0's UDP packet source (`-i udp::<addr>:<port>:<encap>`,
 * what the operator passes in `capture.mode: udp`): it binds that UDP port and "analyses" every
 * datagram by spending a fixed amount of CPU time on it, so a pod's CPU use follows the mirrored
 * packet rate sent to the workers' UDP Service, as a real Zeek worker's does. That is the load a
 * CPU HorizontalPodAutoscaler reacts to (test/k8s/real-hpa.test.ts). The datagrams are counted,
 * not parsed. `ZEEK_SIM_UDP_CPU_US`: CPU microseconds per datagram (default 1000); the socket
 * buffer drops what the process cannot keep up with, like a saturated Zeek.
 */
import { createSocket, type Socket } from 'node:dgram';

/** A parsed `udp::<addr>:<port>:<encap>` interface (IPv6 addresses in brackets). */
export interface UdpInterface {
  readonly address: string;
  readonly port: number;
  readonly encapsulation: string;
}

export const DEFAULT_CPU_US_PER_DATAGRAM = 1000;

/** The UDP source of a `-i` value, or undefined when it is another packet source (af_packet::…). */
export function parseUdpInterface(iface: string): UdpInterface | undefined {
  const m = /^udp::(\[[^\]]+\]|[^:]+):(\d+):(\w+)$/.exec(iface);
  if (!m) return undefined;
  const port = Number(m[2]);
  if (port < 1 || port > 65_535) return undefined;
  return { address: m[1]!.replace(/^\[|\]$/g, ''), port, encapsulation: m[3]! };
}

/** Spends `us` microseconds of this process's CPU time (user + system), not of wall time. */
export function burnCpu(us: number): void {
  const start = process.cpuUsage();
  for (;;) {
    const d = process.cpuUsage(start);
    if (d.user + d.system >= us) return;
  }
}

/** A bound UDP source: datagrams received so far; `close()` unbinds. */
export interface UdpSource {
  readonly datagrams: () => number;
  close(): Promise<void>;
}

/** Binds `iface` and burns `cpuUs` of CPU per datagram. Rejects when the port cannot be bound. */
export function startUdpSource(iface: UdpInterface, cpuUs: number): Promise<UdpSource> {
  const socket: Socket = createSocket({ type: iface.address.includes(':') ? 'udp6' : 'udp4' });
  let count = 0;
  socket.on('message', () => {
    count++;
    if (cpuUs > 0) burnCpu(cpuUs);
  });
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(iface.port, iface.address, () => {
      socket.off('error', reject);
      socket.on('error', (err) => process.stderr.write(`zeek (simulator): udp source: ${err.message}\n`));
      resolve({
        datagrams: () => count,
        close: () => new Promise((r) => socket.close(() => r())),
      });
    });
  });
}
