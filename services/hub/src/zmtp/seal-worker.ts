/**
 * One CURVE seal worker (seal-pool.ts): boxes the batches of the subscribers the event loop
 * handed to it, on its own libsodium (`@zeek-relay/zmtp/curve`), in the order they were posted.
 * Each subscriber's transmit side (its MESSAGE nonce prefix and subkey) arrives once after the
 * handshake; the nonces of each batch come with it (the event loop keeps the counter, so what it
 * seals itself, PING or PONG, takes the next one). A job lays a batch's plaintext out once and
 * boxes it for each of its subscribers; the sealed bytes go back in one transferred buffer.
 */
import { parentPort } from 'node:worker_threads';
import { CurveSession, SealSource, Sodium } from '@zeek-relay/zmtp/curve';
import type { SealGroupMessage, SealWorkerReply, SealWorkerRequest } from './seal-protocol.js';

const port = parentPort!;
const na = await Sodium.load();
const source = new SealSource(na);
const sessions = new Map<number, CurveSession>();

/** The messages of a group as frames over its plaintext (no copy). */
function messagesOf(g: SealGroupMessage): Uint8Array[][] {
  const messages: Uint8Array[][] = [];
  let p = 0;
  let f = 0;
  for (let m = 0; m < g.parts.length; m++) {
    const frames: Uint8Array[] = [];
    for (let k = 0; k < g.parts[m]!; k++) {
      const len = g.frames[f++]!;
      frames.push(g.plain.subarray(p, p + len));
      p += len;
    }
    messages.push(frames);
  }
  return messages;
}

/** Boxes every group for each of its subscribers, in order, into one buffer. */
function seal(groups: readonly SealGroupMessage[]): void {
  let size = 0;
  for (const g of groups) size += g.sealedLength * (g.subs.length / 2);
  const out = Buffer.allocUnsafeSlow(size);
  let off = 0;
  for (const g of groups) {
    source.load(messagesOf(g));
    if (source.sealedLength !== g.sealedLength) throw new Error('seal job: sealed lengths differ');
    for (let i = 0; i < g.subs.length; i += 2) {
      const s = sessions.get(g.subs[i]!);
      // A subscriber dropped meanwhile: its bytes are skipped by the event loop too.
      if (s === undefined) off += g.sealedLength;
      else off = s.sealFrom(out, off, source, g.subs[i + 1]!);
    }
  }
  // As on the event loop (core.ts): no batch stays readable in libsodium's memory after its job.
  source.wipe();
  const reply: SealWorkerReply = { t: 'sealed', out };
  port.postMessage(reply, [out.buffer]);
}

port.on('message', (m: SealWorkerRequest) => {
  switch (m.t) {
    case 'add':
      sessions.set(m.sid, CurveSession.importTransmit(na, m.state));
      m.state.fill(0);
      return;
    case 'close':
      // Shutdown: every key and the last plaintext wiped before the thread ends.
      for (const s of sessions.values()) s.dispose();
      sessions.clear();
      source.dispose();
      port.close();
      return;
    case 'drop':
      sessions.get(m.sid)?.dispose();
      sessions.delete(m.sid);
      return;
    case 'seal':
      seal(m.groups);
      return;
    case 'crash':
      // Tests only (seal-pool.ts `crashForTest`): a worker that dies.
      throw new Error('seal worker crash requested');
  }
});
