/** Loads the JSON test vectors copied from the shared specs into test/fixtures/. */
import { readFileSync } from 'node:fs';

const dir = new URL('../../../test/fixtures/', import.meta.url);

/** Parsed fixture file. */
export function fixture<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(name, dir), 'utf8')) as T;
}

/** A vector of captured-log-batches.json / log-batches.json. */
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
