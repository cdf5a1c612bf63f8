// skaffold.yaml against skaffold's published skaffold/v4beta14 JSON schema (taken at test time from
// skaffold's own Go module into the toolchain cache by `scripts/k8s/toolchain.sh --only skaffold-schema`;
// the schema checks skip only when no Go toolchain is installed), plus the wiring skaffold cannot
// check: every artifact is a service with a Dockerfile, every value template names a chart value.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { repoRoot, skaffoldSchema } from '../helpers/k8s/index.js';
import { CHART_DIR, at } from './helm.js';

const root = repoRoot();
const SCHEMA_VERSION = 'v4beta14';
const schemaFile = await skaffoldSchema(SCHEMA_VERSION);
const noSchema =
  schemaFile === undefined ? 'no Go toolchain: cannot take the skaffold schema from its Go module' : false;
const validate =
  schemaFile === undefined
    ? undefined
    : new Ajv({ strict: false, allErrors: true }).compile(
        JSON.parse(readFileSync(schemaFile, 'utf8')) as object,
      );
const config = parse(readFileSync(join(root, 'skaffold.yaml'), 'utf8')) as Record<string, unknown>;

interface Artifact {
  image: string;
  context: string;
  docker: { dockerfile: string };
}
interface Release {
  chartPath: string;
  setValueTemplates: Record<string, string>;
  setValues?: Record<string, unknown>;
}

/** skaffold's template-variable form of an image name: "/" and "-" become "_". */
const sanitize = (image: string): string => image.replace(/[/-]/g, '_');

describe('skaffold.yaml', () => {
  it(`is a skaffold/${SCHEMA_VERSION} Config`, () => {
    assert.equal(config.apiVersion, `skaffold/${SCHEMA_VERSION}`);
    assert.equal(config.kind, 'Config');
  });

  describe(`skaffold's published ${SCHEMA_VERSION} schema`, { skip: noSchema }, () => {
    it('accepts skaffold.yaml', () => {
      assert.ok(validate);
      assert.equal(validate(config), true, JSON.stringify(validate.errors, null, 2));
    });

    it('catches what it should (a misspelt key fails)', () => {
      const broken = structuredClone(config);
      (at(broken, 'build.artifacts.0') as Record<string, unknown>).dockerfile = 'Dockerfile';
      assert.ok(validate);
      assert.equal(validate(broken), false);
    });
  });

  it('builds one artifact per service, each from its own Dockerfile in the repository-root context', () => {
    const artifacts = at(config, 'build.artifacts') as Artifact[];
    const services = readdirSync(join(root, 'services')).filter((s) =>
      existsSync(join(root, 'services', s, 'package.json')),
    );
    assert.deepEqual(artifacts.map((a) => a.image).sort(), services.map((s) => `zeek-relay/${s}`).sort());
    for (const a of artifacts) {
      assert.equal(a.context, '.');
      assert.equal(a.docker.dockerfile, `services/${a.image.slice('zeek-relay/'.length)}/Dockerfile`);
      assert.ok(existsSync(join(root, a.docker.dockerfile)), `${a.docker.dockerfile} missing`);
    }
  });

  it('deploys the local chart with every image passed as chart values', () => {
    const releases = at(config, 'manifests.helm.releases') as Release[];
    assert.equal(releases.length, 1);
    const release = releases[0] as Release;
    assert.equal(join(root, release.chartPath), CHART_DIR);
    assert.deepEqual(at(config, 'deploy.helm'), {});
    const values = parse(readFileSync(join(CHART_DIR, 'values.yaml'), 'utf8')) as unknown;
    const templates = release.setValueTemplates;
    for (const key of [...Object.keys(templates), ...Object.keys(release.setValues ?? {})]) {
      assert.notEqual(at(values, key), undefined, `${key} is not a chart value`);
    }
    const images = (at(config, 'build.artifacts') as Artifact[]).map((a) => a.image);
    const expected: Record<string, string> = {
      'zeek-relay/operator': 'operator.image',
      'zeek-relay/hub': 'images.hub',
      'zeek-relay/gateway': 'images.gateway',
      'zeek-relay/log-sink': 'images.logSink',
    };
    for (const image of images) {
      const prefix = expected[image];
      assert.ok(prefix, `no chart value for ${image}`);
      assert.equal(templates[`${prefix}.repository`], `{{.IMAGE_REPO_${sanitize(image)}}}`);
      assert.equal(templates[`${prefix}.tag`], `{{.IMAGE_TAG_${sanitize(image)}}}`);
    }
  });
});
