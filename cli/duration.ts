/** Durations as operators write them: `90s`, `30m`, `2h30m`, `1d12h`, bounded so a typo cannot pause for years. */
import { CliError } from './errors';

const UNITS: Readonly<Record<string, number>> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

/** The longest pause the CLI writes: past a month, an open-ended pause (no --for) says what is meant. */
export const MAX_DURATION_MS = 30 * UNITS['d']!;

const WHOLE = /^(?:\d+[smhd])+$/;
const PART = /(\d+)([smhd])/g;

/**
 * Parses one or more `<number><unit>` parts (`2h30m`), units s, m, h and d; longer than zero.
 * @throws CliError naming the flag, the value and the form to write.
 */
export function parseSpan(text: string, flag: string): number {
  const compact = text.trim().toLowerCase();
  if (!WHOLE.test(compact))
    throw new CliError(`${flag} ${text} is not a duration; write it like 30m, 2h, 2h30m or 1d`);
  let ms = 0;
  for (const [, count, unit] of compact.matchAll(PART)) ms += Number(count) * UNITS[unit!]!;
  if (ms <= 0) throw new CliError(`${flag} ${text} must be longer than zero`);
  return ms;
}

/**
 * A pause's or a window's length: a span (see {@link parseSpan}) of at most 30d.
 * @throws CliError naming the flag, the value and the form to write; `atMost` says what to do.
 */
export function parseDuration(
  text: string,
  flag = '--for',
  atMost = `pause for at most 30d, or leave out ${flag} for a pause that lasts until resume`,
): number {
  const ms = parseSpan(text, flag);
  if (ms > MAX_DURATION_MS) throw new CliError(`${flag} ${text} is longer than 30d; ${atMost}`);
  return ms;
}
