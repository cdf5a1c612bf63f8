import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildCrd } from '../../src/api/v1alpha1/crd.js';
import { validateSpec } from '../../src/api/v1alpha1/validate.js';

type Schema = Record<string, unknown> & {
  properties?: Record<string, Schema>;
  items?: Schema;
  additionalProperties?: Schema | boolean;
};

/** Structural schema rules (apiextensions): every node typed (or int-or-string / preserve-unknown), no $ref/patternProperties. */
function assertStructural(s: Schema, path: string): void {
  for (const banned of ['$ref', 'patternProperties', 'const', '$id', 'definitions'])
    assert.ok(!(banned in s), `${path}: ${banned}`);
  const typed =
    typeof s['type'] === 'string' ||
    s['x-kubernetes-int-or-string'] === true ||
    s['x-kubernetes-preserve-unknown-fields'] === true;
  assert.ok(typed, `${path} has no type`);
  for (const [k, v] of Object.entries(s.properties ?? {})) assertStructural(v, `${path}.${k}`);
  if (s.items) assertStructural(s.items, `${path}[]`);
  if (typeof s.additionalProperties === 'object') assertStructural(s.additionalProperties, `${path}{}`);
}

test('the CRD schema is structural and has status+scale subresources and printer columns', () => {
  const crd = buildCrd() as {
    metadata: { name: string };
    spec: {
      versions: {
        schema: { openAPIV3Schema: Schema };
        subresources: unknown;
        additionalPrinterColumns: { name: string }[];
      }[];
    };
  };
  assert.equal(crd.metadata.name, 'zeekclusters.zeek-relay.io');
  const v = crd.spec.versions[0]!;
  assertStructural(v.schema.openAPIV3Schema, 'root');
  assert.deepEqual(v.subresources, {
    status: {},
    scale: {
      specReplicasPath: '.spec.workers.replicas',
      statusReplicasPath: '.status.replicas',
      labelSelectorPath: '.status.selector',
    },
  });
  assert.deepEqual(
    v.additionalPrinterColumns.map((c) => c.name),
    ['Ready', 'Workers', 'Progressing', 'Age'],
  );
});

test('validateSpec fills defaults and lists every problem with a stable code', () => {
  const spec = validateSpec({});
  assert.equal(spec.workers.replicas, 1);
  assert.equal(spec.workers.maxReplicas, 16);
  assert.equal(spec.hub.xpubPort, 27760);
  assert.throws(
    () => validateSpec({ workers: { replicas: -1 }, hub: { xpubPort: 70000 } }),
    (e: { code?: string; problems?: string[] }) =>
      e.code === 'ZR_OPERATOR_INVALID_SPEC' && e.problems?.length === 2,
  );
  assert.throws(
    () =>
      validateSpec({
        siteScripts: [
          { configMapName: 'a', key: 'x.zeek' },
          { configMapName: 'a', key: 'x.zeek' },
        ],
      }),
    (e: { code?: string; message?: string }) =>
      e.code === 'ZR_OPERATOR_INVALID_SPEC' && /twice/.test(e.message ?? ''),
  );
});
