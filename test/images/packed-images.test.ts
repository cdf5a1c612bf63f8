// The images packed by test/helpers/images (no Docker here) against the Dockerfiles they stand in
// for: each service image's config has the final stage's ENTRYPOINT, USER, WORKDIR, ENV, EXPOSE,
// VOLUME and STOPSIGNAL; the archives name themselves for containerd; the service images share
// their layers; the layers hold the entrypoints and no npm, compilers or test vectors.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { repoRoot } from '../helpers/k8s/index.js';
import {
  ensureImages,
  imagesUnavailable,
  SERVICE_IMAGES,
  type ImageArchive,
  type TestImages,
} from '../helpers/images/index.js';
import { BlobStore, putImage, writeArchive } from '../helpers/images/oci.js';
import { entrypoint, parseDockerfile, type Stage } from './dockerfile.js';
import { layerPaths, member, readArchive } from './oci-archive.js';

const root = repoRoot();
const SKIP = imagesUnavailable();
let images: TestImages | undefined;
const byService = (svc: (typeof SERVICE_IMAGES)[number]): ImageArchive => {
  assert.ok(images);
  return svc === 'log-sink' ? images.logSink : images[svc];
};

/** The final stage's last value of a keyword, or every value (`all`). */
const values = (stage: Stage, keyword: string): string[] =>
  stage.instructions.filter((i) => i.keyword === keyword).map((i) => i.args);

/** `ENV a=1 b=2` and `ENV a 1` forms, as `K=V` strings. */
function dockerEnv(stage: Stage): string[] {
  return values(stage, 'ENV').flatMap((args) => {
    const words = args.split(/\s+/);
    if (!(words[0] ?? '').includes('=')) return [`${words[0]}=${words.slice(1).join(' ')}`];
    return words;
  });
}

describe('packed images match the Dockerfiles', { skip: SKIP ?? false, timeout: 30 * 60_000 }, () => {
  before(async () => {
    images = await ensureImages();
  });

  for (const svc of SERVICE_IMAGES) {
    it(`${svc}: config = the Dockerfile's final stage`, () => {
      const final = parseDockerfile(join(root, 'services', svc, 'Dockerfile')).stages.at(-1) as Stage;
      const { config, index } = readArchive(byService(svc).archive);
      const c = config.config;
      assert.deepEqual(c.Entrypoint, entrypoint(final));
      assert.equal(c.Cmd, undefined, 'no CMD in the Dockerfile, none in the image');
      assert.equal(c.User, values(final, 'USER').at(-1));
      assert.equal(c.WorkingDir, values(final, 'WORKDIR').at(-1));
      assert.equal(c.StopSignal, values(final, 'STOPSIGNAL').at(-1) ?? 'SIGTERM');
      const exposed = values(final, 'EXPOSE').flatMap((a) =>
        a.split(/\s+/).map((p) => (p.includes('/') ? p : `${p}/tcp`)),
      );
      assert.deepEqual(Object.keys(c.ExposedPorts ?? {}).sort(), exposed.sort());
      const volumes = values(final, 'VOLUME').flatMap((a) => JSON.parse(a) as string[]);
      assert.deepEqual(Object.keys(c.Volumes ?? {}).sort(), volumes.sort());
      const env = dockerEnv(final);
      assert.ok(env.length > 0);
      for (const e of env) assert.ok(c.Env.includes(e), `ENV ${e} missing from ${c.Env.join(' ')}`);
      const node = /^node:(\d+\.\d+\.\d+)-/.exec(
        parseDockerfile(join(root, 'services', svc, 'Dockerfile')).args.get('NODE_IMAGE') ?? '',
      )?.[1];
      assert.ok(c.Env.includes(`NODE_VERSION=${node}`), 'the Node.js release of the Dockerfiles');
      assert.equal(config.os, 'linux');
      // Everything the runtime stage copies from the build stage is in the app layer at its place.
      const app = new Set(
        layerPaths(
          byService(svc).archive,
          readArchive(byService(svc).archive).manifest.layers[2] ?? { mediaType: '', digest: '', size: 0 },
        ),
      );
      for (const copy of final.copies.filter((x) => x.from === 'build')) {
        for (const src of copy.sources) {
          const rel = src.replace(/^\/src\//, '');
          const dest =
            copy.dest.endsWith('/') || copy.dest === './' ? `${copy.dest}${rel.split('/').pop()}` : copy.dest;
          const path = `app/${dest.replace(/^\.\//, '')}`;
          assert.ok(
            app.has(path),
            `${svc}: the Dockerfile copies ${src} to ${copy.dest}; the image lacks /${path}`,
          );
        }
      }
      assert.equal(index.manifests[0]?.annotations?.['io.containerd.image.name'], byService(svc).ref);
    });
  }

  it('references are localhost/zeek-relay/<name>:<content hash> and archives hold only their blobs', () => {
    assert.ok(images);
    for (const [name, img] of Object.entries({ ...images, build: undefined, all: undefined })) {
      if (!img) continue;
      assert.match(img.ref, /^localhost\/zeek-relay\/[a-z-]+:[0-9a-f]{16}$/, name);
      const a = readArchive(img.archive);
      assert.equal(img.digest, a.index.manifests[0]?.digest);
      assert.equal(img.ref.split(':')[1], img.digest.slice(7, 23), 'the tag is the manifest digest');
      const blobs = a.members.filter((m) => /^blobs\/sha256\/[0-9a-f]{64}$/.test(m));
      const wanted = [img.digest, a.manifest.config.digest, ...a.manifest.layers.map((l) => l.digest)];
      assert.deepEqual(blobs.sort(), wanted.map((d) => `blobs/sha256/${d.slice(7)}`).sort());
      assert.deepEqual(JSON.parse(member(img.archive, 'oci-layout').toString()), {
        imageLayoutVersion: '1.0.0',
      });
    }
  });

  it('every layer blob decompresses to the diff_id its config names', () => {
    assert.ok(images);
    const a = readArchive(images.zeekSim.archive);
    a.manifest.layers.forEach((l, i) => {
      const r = spawnSync(
        'sh',
        [
          '-c',
          'tar -xOf "$1" "$2" | gzip -dc | sha256sum',
          'sh',
          images?.zeekSim.archive ?? '',
          `blobs/sha256/${l.digest.slice(7)}`,
        ],
        { encoding: 'utf8' },
      );
      assert.equal(`sha256:${r.stdout.slice(0, 64)}`, a.config.rootfs.diff_ids[i], `layer ${i}`);
    });
  });

  it('the combined archive names all five images, with each blob once', () => {
    assert.ok(images);
    const each = [images.hub, images.gateway, images.logSink, images.operator, images.zeekSim];
    const { index, members } = readArchive(images.all.archive);
    assert.deepEqual(
      index.manifests.map((m) => [m.annotations?.['io.containerd.image.name'], m.digest]),
      each.map((i) => [i.ref, i.digest]),
    );
    assert.deepEqual(
      images.all.refs,
      each.map((i) => i.ref),
    );
    const blobs = new Set(
      each.flatMap((i) => readArchive(i.archive).members.filter((m) => m.startsWith('blobs/sha256/'))),
    );
    assert.deepEqual(
      members.filter((m) => /^blobs\/sha256\/[0-9a-f]{64}$/.test(m)).sort(),
      [...blobs].filter((m) => /[0-9a-f]{64}$/.test(m)).sort(),
    );
  });

  it('the service images share one rootfs (base, deps, app); zeek-sim adds one layer on top', () => {
    assert.ok(images);
    const layers = SERVICE_IMAGES.map((s) =>
      readArchive(byService(s).archive).manifest.layers.map((l) => l.digest),
    );
    assert.equal(layers[0]?.length, 3);
    for (const l of layers) assert.deepEqual(l, layers[0]);
    const sim = readArchive(images.zeekSim.archive).manifest.layers.map((l) => l.digest);
    assert.deepEqual(sim.slice(0, 3), layers[0]);
    assert.equal(sim.length, 4);
  });

  it('the layers hold the entrypoints, tini, node and production modules; no npm, compilers or test vectors', () => {
    assert.ok(images);
    const a = readArchive(images.zeekSim.archive);
    const [base, deps, app, sim] = a.manifest.layers.map(
      (l) => new Set(layerPaths(images?.zeekSim.archive ?? '', l)),
    );
    assert.ok(base && deps && app && sim);
    for (const p of ['usr/bin/tini', 'usr/local/bin/node', 'usr/bin/sh', 'app', 'var/log/zeek', 'home/node'])
      assert.ok(base.has(p), `base lacks ${p}`);
    for (const p of [
      'usr/local/bin/npm',
      'usr/local/lib/node_modules/npm',
      'usr/bin/gcc',
      'usr/bin/cc',
      'usr/bin/make',
    ])
      assert.ok(!base.has(p), `base has ${p}`);
    for (const svc of SERVICE_IMAGES)
      assert.ok(app.has(`app/services/${svc}/dist/src/main.js`), `app lacks ${svc}`);
    assert.ok(app.has('app/packages/cli/dist/src/simulator/index.js'));
    for (const ws of ['fixtures', 'test-support']) {
      assert.ok(![...app].some((p) => p.startsWith(`app/packages/${ws}`)), `no ${ws} in the app layer`);
      assert.ok(!deps.has(`app/node_modules/@zeek-relay/${ws}`), `no link to ${ws}`);
    }
    assert.ok(deps.has('app/node_modules/zeromq/package.json'));
    assert.ok(
      deps.has('app/node_modules/zeromq/build/manifest.json'),
      "zeromq's addon index (its loader needs it)",
    );
    assert.ok(deps.has('app/node_modules/@zeek-relay/hub'), 'workspace links');
    for (const dev of ['typescript', 'eslint', 'prettier', 'fast-check'])
      assert.ok(!deps.has(`app/node_modules/${dev}`), `dev dependency ${dev} shipped`);
    assert.ok(
      ![...deps].some((p) => p.startsWith('app/node_modules/zeromq/build/win32')),
      'other platforms pruned',
    );
    assert.ok(
      sim.has('usr/local/bin/zeek') &&
        sim.has('usr/local/bin/zeek-config') &&
        sim.has('app/zeek-sim/zeek.js'),
    );
  });
});

describe('layers and archives are reproducible', () => {
  const work = mkdtempSync(join(tmpdir(), 'zr-oci-'));
  after(() => rmSync(work, { recursive: true, force: true }));

  it('the same files give the same layer, config, manifest and archive bytes, whatever their mtimes', async () => {
    const digests: string[] = [];
    const archives: Buffer[] = [];
    for (const round of [1, 2]) {
      const dir = join(work, `src${round}`);
      mkdirSync(join(dir, 'app', 'b'), { recursive: true });
      writeFileSync(join(dir, 'app', 'b', 'z.js'), 'export {};\n');
      writeFileSync(join(dir, 'app', 'a.json'), '{}\n');
      utimesSync(join(dir, 'app', 'a.json'), round * 1000, round * 1000);
      const store = new BlobStore(join(work, `store${round}`));
      const layer = await store.putLayer(dir, ['app'], true);
      const { manifest } = await putImage(
        store,
        [layer],
        { User: '1000:1000', WorkingDir: '/app', Env: [], Entrypoint: ['/x'], StopSignal: 'SIGTERM' },
        ['test'],
      );
      const out = join(work, `out${round}.tar`);
      await writeArchive(store, [{ manifest, ref: `localhost/t:${manifest.digest.slice(7, 23)}` }], out);
      digests.push(`${layer.digest} ${layer.diffId} ${manifest.digest}`);
      archives.push(readFileSync(out));
    }
    assert.equal(digests[0], digests[1]);
    assert.ok(archives[0]?.equals(archives[1] ?? Buffer.alloc(0)), 'byte-identical archives');
  });
});
