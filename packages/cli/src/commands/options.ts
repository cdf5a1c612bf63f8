/**
 * Argument parsers shared by the commands. Each throws commander's InvalidArgumentError, which
 * commander turns into `error: option '--rate <n>' argument 'x' is invalid. <reason>` (exit 2).
 */
import { InvalidArgumentError } from 'commander';

export function parsePort(value: string): number {
  const n = Number(value);
  if (!/^[0-9]+$/.test(value) || n > 65535)
    throw new InvalidArgumentError('Expected a TCP port number 0-65535.');
  return n;
}

export function parseCount(value: string): number {
  if (!/^[0-9]+$/.test(value)) throw new InvalidArgumentError('Expected a whole number ≥ 0.');
  return Number(value);
}

export function parsePositive(value: string): number {
  if (!/^[0-9]+$/.test(value) || Number(value) < 1)
    throw new InvalidArgumentError('Expected a whole number ≥ 1.');
  return Number(value);
}

export function parseRate(value: string): number {
  const n = Number(value);
  if (!/^[0-9]+(\.[0-9]+)?$/.test(value) || !Number.isFinite(n))
    throw new InvalidArgumentError('Expected a number ≥ 0 (per second).');
  return n;
}

/** Seconds, fractions allowed (`2`, `0.5`). */
export function parseSeconds(value: string): number {
  const n = Number(value);
  if (!/^[0-9]+(\.[0-9]+)?$/.test(value) || !Number.isFinite(n))
    throw new InvalidArgumentError('Expected a number of seconds ≥ 0, e.g. 10 or 0.5.');
  return n;
}

export function parseHost(value: string): string {
  if (value.length === 0 || /\s/.test(value))
    throw new InvalidArgumentError('Expected a host name or IP address.');
  return value;
}
