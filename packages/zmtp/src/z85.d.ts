// Types for the `z85` package (ZeroMQ RFC 32), which ships none. Only z85-key.ts imports it.
declare module 'z85' {
  export function encode(data: Uint8Array | string): string | null;
  export function decode(text: string): Buffer | null;
}
