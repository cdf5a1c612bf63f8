// The zeek-sim worker's UDP packet source (capture.mode udp): it understands the `-i` value the
// operator generates, binds a real UDP socket, and spends the configured CPU time on every datagram
// (what makes a CPU HorizontalPodAutoscaler react to mirrored traffic in real-hpa.test.ts).
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { burnCpu, parseUdpInterface, startUdpSource } from '../helpers/images/zeek-sim/udp-source.js';

describe('zeek-sim UDP packet source', () => {
  it('parses the udp:: interfaces the operator generates and refuses other sources', () => {
    assert.deepEqual(parseUdpInterface('udp::0.0.0.0:4789:vxlan'), {
      address: '0.0.0.0',
      port: 4789,
      encapsulation: 'vxlan',
    });
    assert.deepEqual(parseUdpInterface('udp::[::]:6081:geneve'), {
      address: '::',
      port: 6081,
      encapsulation: 'geneve',
    });
    assert.equal(parseUdpInterface('af_packet::eth0'), undefined);
    assert.equal(parseUdpInterface('udp::0.0.0.0:70000:vxlan'), undefined);
    assert.equal(parseUdpInterface('udp::0.0.0.0:4789'), undefined);
  });

  it('burnCpu spends CPU time, not wall time', () => {
    const before = process.cpuUsage();
    burnCpu(50_000);
    const d = process.cpuUsage(before);
    assert.ok(d.user + d.system >= 50_000, `${d.user + d.system} µs of CPU`);
  });

  it('counts every datagram and spends the configured CPU on each', async () => {
    const probe = createSocket('udp4');
    probe.bind(0, '127.0.0.1');
    await once(probe, 'listening');
    const free = probe.address().port;
    probe.close();
    const src = await startUdpSource({ address: '127.0.0.1', port: free, encapsulation: 'vxlan' }, 2_000);
    const sender = createSocket('udp4');
    const cpu0 = process.cpuUsage();
    try {
      const n = 50;
      for (let i = 0; i < n; i++) sender.send(Buffer.alloc(72), free, '127.0.0.1');
      // The source runs in this process: the datagrams are handled once the event loop turns.
      while (src.datagrams() < n) await new Promise((r) => setImmediate(r));
      assert.equal(src.datagrams(), n);
      const d = process.cpuUsage(cpu0);
      assert.ok(d.user + d.system >= n * 2_000, `${d.user + d.system} µs of CPU for ${n} datagrams`);
    } finally {
      sender.close();
      await src.close();
    }
  });
});
