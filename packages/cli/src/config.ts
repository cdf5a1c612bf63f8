/** The only place the CLI reads environment variables. */

/** Environment settings of the CLI. */
export interface CliEnvironment {
  /** `ZR_TOKEN`: bearer token for the gateway when `--token` is not given. */
  readonly token: string | undefined;
}

/** Reads the CLI's environment variables once, at startup. */
export function readCliEnvironment(
  env: Readonly<Record<string, string | undefined>> = process.env,
): CliEnvironment {
  return { token: env['ZR_TOKEN'] };
}
