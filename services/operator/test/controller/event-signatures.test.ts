import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { buildDesired } from '../../src/controller/reconcile.js';
import { cluster, IMAGES, observe } from '../helpers.js';

/** The one source of the script (the operator ships a generated copy of it). */
const SOURCE = readFileSync(
  new URL('../../../../../deploy/zeek/zeek-relay/event-signatures.zeek', import.meta.url),
  'utf8',
);

function built(spec: unknown): { files: Record<string, string>; commands: Record<string, string> } {
  const objects = buildDesired(cluster(spec), IMAGES, observe()).objects;
  const cm = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'demo-zeek');
  assert.ok(cm, 'the Zeek ConfigMap is built');
  const commands: Record<string, string> = {};
  for (const name of ['demo-manager', 'demo-proxy', 'demo-worker']) {
    const w = objects.find((o) => o.metadata.name === name) as unknown as {
      spec: { template: { spec: { containers: { command: string[] }[] } } };
    };
    assert.ok(w, `${name} is built`);
    commands[name] = w.spec.template.spec.containers[0]!.command.join(' ');
  }
  return { files: (cm as unknown as { data: Record<string, string> }).data, commands };
}

test('by default the ConfigMap ships event-signatures.zeek byte for byte and only the manager loads it', () => {
  const { files, commands } = built({});
  assert.equal(files['event-signatures.zeek'], SOURCE);
  // After the ZeroMQ backend and the site's local.zeek, before the cluster's own site scripts.
  assert.match(commands['demo-manager']!, /'zeek-relay\.zeek' 'local' 'event-signatures\.zeek'/);
  assert.doesNotMatch(commands['demo-proxy']!, /event-signatures/);
  assert.doesNotMatch(commands['demo-worker']!, /event-signatures/);
});

test('gateway.eventSignatures: off, or no gateway: neither shipped nor loaded', () => {
  for (const gateway of [{ eventSignatures: 'off' }, { enabled: false }]) {
    const { files, commands } = built({ gateway });
    assert.equal(files['event-signatures.zeek'], undefined, JSON.stringify(gateway));
    for (const cmd of Object.values(commands)) assert.doesNotMatch(cmd, /event-signatures/);
  }
});

test('the switch is validated: published or off, published by default', () => {
  assert.equal(cluster({}).spec.gateway.eventSignatures, 'published');
  assert.throws(() => cluster({ gateway: { eventSignatures: 'file' } }), /eventSignatures/);
});
