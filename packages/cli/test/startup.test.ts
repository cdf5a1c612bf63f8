// `zeek-relay --version` and `--help` load only the command tree: each command imports its service
// (hub, gateway, log sink), the WebSocket client, the codecs and zeromq when it runs. A module hook
// in the child lists every module it resolves; none of those may be among them.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';

const bin = fileURLToPath(new URL('../../bin/zeek-relay.js', import.meta.url));
const HOOK =
  "import { registerHooks } from 'node:module';" +
  'registerHooks({ resolve(s, c, next) { const r = next(s, c); process.stderr.write(`LOADED ${r.url}\\n`); return r; } });';

/** The file URLs the command resolved. */
function loaded(flag: string): string[] {
  const r = spawnSync(
    process.execPath,
    ['--import', `data:text/javascript,${encodeURIComponent(HOOK)}`, bin, flag],
    {
      encoding: 'utf8',
    },
  );
  assert.equal(r.status, 0, r.stderr);
  return r.stderr
    .split('\n')
    .filter((l) => l.startsWith('LOADED file:'))
    .map((l) => l.slice('LOADED '.length));
}

const HEAVY =
  /\/(services\/|packages\/(wire|client|zmq|zeek-node)\/|node_modules\/(zeromq|ws|pino|@opentelemetry|typebox))/;

describe('zeek-relay start-up', () => {
  for (const flag of ['--version', '--help']) {
    it(`${flag} loads no service, client, codec or zeromq module`, () => {
      const urls = loaded(flag);
      assert.ok(
        urls.some((u) => u.includes('/packages/cli/dist/src/program.js')),
        'the hook saw the CLI load',
      );
      assert.deepEqual(
        urls.filter((u) => HEAVY.test(u)),
        [],
      );
    });
  }
});
