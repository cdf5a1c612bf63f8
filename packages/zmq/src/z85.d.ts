// Types for the `z85` package (ZeroMQ RFC 32), which ships none. The one copy: the gateway's
// tsconfig includes this file as well.
declare module 'z85' {
  export function encode(data: Uint8Array | string): string | null;
  export function decode(text: string): Buffer | null;
}
