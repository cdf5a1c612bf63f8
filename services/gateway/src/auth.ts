import { createHash, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Type, type Static } from '@sinclair/typebox';
import { Ajv } from 'ajv';
import { GATEWAY_ERROR_CODES, GatewayError } from './errors.js';

/**
 * One entry of the token file. `token` (plain) or `sha256` (hex digest of the token) identifies
 * it; `publish` / `subscribe` list allowed topic prefixes (absent = everything, `[]` = nothing).
 */
const TokenEntrySchema = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    token: Type.Optional(Type.String({ minLength: 1 })),
    sha256: Type.Optional(Type.String({ pattern: '^[0-9a-fA-F]{64}$' })),
    publish: Type.Optional(Type.Array(Type.String())),
    subscribe: Type.Optional(Type.Array(Type.String())),
  },
  { additionalProperties: false },
);

/** The token file: `{"tokens":[...]}` (a Kubernetes Secret mounted as a file, for example). */
export const TokenFileSchema = Type.Object(
  { tokens: Type.Array(TokenEntrySchema) },
  { additionalProperties: false },
);
export type TokenFile = Static<typeof TokenFileSchema>;

/** What an authenticated client may do; `undefined` lists mean "everything". */
export interface Principal {
  readonly name: string;
  readonly publish: readonly string[] | undefined;
  readonly subscribe: readonly string[] | undefined;
}

/** Anonymous principal used when auth is off. */
export const ANONYMOUS: Principal = { name: 'anonymous', publish: undefined, subscribe: undefined };

/** Bearer-token lookup built from a token file. */
export interface Authenticator {
  /** Principal for an `Authorization` header value, or `undefined` (→ HTTP 401). */
  authenticate(header: string | undefined): Principal | undefined;
}

const validate = new Ajv({ allErrors: true, strict: false }).compile<TokenFile>(TokenFileSchema);

function digest(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/** Builds an authenticator from parsed file content; throws `ZR_GATEWAY_TOKENS_INVALID`. */
export function createAuthenticator(content: unknown): Authenticator {
  if (!validate(content)) {
    const why = (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`).join('; ');
    throw new GatewayError(GATEWAY_ERROR_CODES.TOKENS_INVALID, `Invalid token file: ${why}`);
  }
  const entries = content.tokens.map((t) => {
    if ((t.token === undefined) === (t.sha256 === undefined)) {
      throw new GatewayError(
        GATEWAY_ERROR_CODES.TOKENS_INVALID,
        `Token "${t.name}" needs exactly one of token, sha256`,
      );
    }
    const hash = t.token !== undefined ? digest(t.token) : Buffer.from(t.sha256 ?? '', 'hex');
    const principal: Principal = { name: t.name, publish: t.publish, subscribe: t.subscribe };
    return { hash, principal };
  });
  return {
    authenticate(header) {
      if (header === undefined) return undefined;
      const m = /^Bearer[ \t]+(\S+)\s*$/i.exec(header);
      if (m === null || m[1] === undefined) return undefined;
      const h = digest(m[1]);
      // Compare against every entry in constant time per entry, so timing reveals nothing.
      let found: Principal | undefined;
      for (const e of entries) if (timingSafeEqual(e.hash, h)) found ??= e.principal;
      return found;
    },
  };
}

/** Reads and parses the token file at `path`; throws `ZR_GATEWAY_TOKENS_INVALID`. */
export async function loadAuthenticator(path: string): Promise<Authenticator> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new GatewayError(GATEWAY_ERROR_CODES.TOKENS_INVALID, `Cannot read token file ${path}`, {
      cause: err,
    });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new GatewayError(GATEWAY_ERROR_CODES.TOKENS_INVALID, `Token file ${path} is not JSON`, {
      cause: err,
    });
  }
  return createAuthenticator(parsed);
}

/**
 * May `principal` subscribe to `prefix`? Only if the prefix extends an allowed one, so every topic
 * it can match is allowed (`""` therefore needs `""` in the list).
 */
export function maySubscribe(principal: Principal, prefix: string): boolean {
  return principal.subscribe === undefined || principal.subscribe.some((a) => prefix.startsWith(a));
}

/** May `principal` publish on `topic`? Only if an allowed prefix matches it. */
export function mayPublish(principal: Principal, topic: string): boolean {
  return principal.publish === undefined || principal.publish.some((a) => topic.startsWith(a));
}
