/** The Zeek 8.0.10 log vectors of `@zeek-relay/fixtures` (packages/fixtures/data/zeek-8.0/). */
import { readJsonFixture } from '@zeek-relay/fixtures';

/** A parsed Zeek 8.0.10 vector file, path relative to `zeek-8.0/` (e.g. `captured/log-batches.json`). */
export function fixture<T>(name: string): T {
  return readJsonFixture<T>('zeek-8.0', ...name.split('/'));
}

/** A vector of captured/log-batches.json / log-batches.json. */
export interface BatchVector {
  readonly name: string;
  readonly hex: string;
  readonly decoded: { readonly path: string; readonly records: readonly unknown[] };
  readonly ascii_writer_output?: string;
  readonly json_writer_output?: string;
}

/** Hex → bytes. */
export function hex(text: string): Buffer {
  return Buffer.from(text, 'hex');
}

/** Replaces the wall-clock values of `#open`/`#close` lines (variable in the captures) with `<t>`. */
export function normalizeTimes(text: string): string {
  return text.replace(/^#(open|close)\t\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d$/gm, '#$1\t<t>');
}
