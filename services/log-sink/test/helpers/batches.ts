/** Hand-built zeek-bin-serializer batches (log-batch.md §3) for bad-input tests. */

function str(s: string): Buffer {
  const b = Buffer.from(s, 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32BE(b.length);
  return Buffer.concat([len, b]);
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

/**
 * The head of a batch for `path` (stream `Test::LOG`, writer ASCII, filter `default`) with one
 * column `name` of type tag `typeTag`, and the record count `records`: the records follow.
 */
function head(path: string, name: string, typeTag: number, records: number): Buffer[] {
  return [
    str('Test::LOG'),
    str('Log::WRITER_ASCII'),
    str('default'),
    str(path),
    u32(1),
    Buffer.from([0]),
    str(name),
    u32(typeTag),
    u32(0),
    Buffer.from([0]),
    u32(records),
  ];
}

/** A batch with one column (`name`, type tag `typeTag`) and one record holding the raw value bytes. */
export function oneValueBatch(valueHex: string, typeTag: number, path = 'bad', name = 'v'): Buffer {
  return Buffer.concat([...head(path, name, typeTag, 1), Buffer.from(valueHex, 'hex')]);
}

/** A valid batch of one count column `n` holding `values` (one record each), path `path`. */
export function countsBatch(values: readonly number[], path: string): Buffer {
  const parts = head(path, 'n', 3, values.length);
  for (const v of values) {
    const b = Buffer.alloc(17);
    b.writeUInt32BE(3, 0);
    b.writeUInt32BE(0, 4);
    b[8] = 1;
    b.writeBigUInt64BE(BigInt(v), 9);
    parts.push(b);
  }
  return Buffer.concat(parts);
}

/** A valid one-column count batch with the value `n` (path `path`). */
export function countBatch(n: number, path = 'good'): Buffer {
  const v = Buffer.alloc(8);
  v.writeBigUInt64BE(BigInt(n));
  return oneValueBatch(`0000000300000000 01${v.toString('hex')}`.replace(/ /g, ''), 3, path, 'n');
}
