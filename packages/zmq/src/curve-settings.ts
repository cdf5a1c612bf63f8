/**
 * The CURVE server settings as a TypeBox schema fragment, spread into the hub's and the log
 * sink's config schemas (Zeek 8.2+: the hub and every logger hold the one server key pair and
 * admit the one client key; zeromq-wire.md §8.2).
 */
import { Type } from '@sinclair/typebox';

export const CurveServerSettings = {
  curveServerSecretKey: Type.Optional(
    Type.String({
      description:
        'Z85 CURVE server secret key, shared by the hub and the log sinks (Zeek 8.2+ curve_server_secretkey; prefer the file variant)',
    }),
  ),
  curveServerSecretKeyFile: Type.Optional(
    Type.String({ description: 'File holding the Z85 CURVE server secret key' }),
  ),
  curveClientPublicKeys: Type.Optional(
    Type.Array(Type.String(), {
      description: 'Admitted Z85 client public keys (comma-separated); enables ZAP',
    }),
  ),
  curveClientPublicKeyFiles: Type.Optional(
    Type.Array(Type.String(), {
      description: 'Files with admitted client public keys, one per line (comma-separated paths)',
    }),
  ),
};
