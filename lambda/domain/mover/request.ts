/** The Mover's input, validated: clear refusals that name the field, the value and the fix. */
import { z } from 'zod';
import { nodeByName, type FailoverConfig } from '../../../config';
import { InvalidMoveRequestError } from '../errors';
import type { MoveRequest } from '../types';

/** A value as it may appear in a message: JSON, and at most a short prefix of a long one. */
export function clip(value: unknown, max = 60): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length} characters)`;
}

/** The longest `by` the history keeps: an operator's or role's name, not a message. */
export const MAX_BY_LENGTH = 64;

/**
 * `text` as one line of printable characters: control and format characters (a newline, an
 * escape, a bidirectional override) become spaces, runs of spaces one, and the result is cut to
 * `max`. What the Mover writes into the history must not forge a second line there.
 */
export function printable(text: string, max: number): string {
  return text
    .replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, max);
}

/** Who asked, as the history may show it: printable, without the history's `:` separator. */
export function printableBy(by: string): string {
  return printable(by.replace(/:/g, ' '), MAX_BY_LENGTH);
}

const requestSchema = z
  .object({
    target: z
      .string({ message: 'must be the name of a configured node' })
      .min(1, { message: 'must not be empty' }),
    reason: z
      .string({ message: 'must be a string saying why the move was asked for' })
      // Its own message: zod would otherwise report the type's message for a string too long.
      .max(1000, { message: 'must be at most 1000 characters' })
      .default('manual')
      .transform((reason) => printable(reason, 1000)),
    expectedActive: z.string({ message: 'must be the name of a configured node' }).optional(),
    automatic: z.boolean({ message: 'must be true or false' }).optional(),
    by: z
      .string({ message: 'must be a string naming who asked' })
      .max(200)
      .transform(printableBy)
      .optional(),
    requestedAt: z.iso
      .datetime({ message: 'must be an ISO 8601 time such as 2026-12-01T10:00:00Z' })
      .optional(),
    detectedAt: z.iso
      .datetime({ message: 'must be an ISO 8601 time such as 2026-12-01T10:00:00Z' })
      .optional(),
    force: z.boolean({ message: 'must be true or false' }).optional(),
    kind: z
      .enum(['failover', 'failback', 'converge'], {
        message: 'must be "failover", "failback" or "converge"',
      })
      .optional(),
    fence: z
      .array(z.string({ message: 'must list names of configured nodes' }), {
        message: 'must list names of configured nodes',
      })
      .max(20, { message: 'must list at most 20 nodes' })
      .optional(),
  })
  .strict();

/**
 * Validates a Mover event.
 * @throws InvalidMoveRequestError naming the field, the value and the configured nodes.
 */
export function parseMoveRequest(config: FailoverConfig, event: unknown): MoveRequest {
  const names = config.nodes.map((n) => n.name).join(', ');
  if (event === null || typeof event !== 'object' || Array.isArray(event)) {
    throw new InvalidMoveRequestError(
      `invalid move request: event ${event === undefined ? '(missing)' : clip(event)} is not a JSON object. Expected {"target": one of ${names}, "reason": "...", "expectedActive"?: node}`,
    );
  }
  const parsed = requestSchema.safeParse(event);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => {
      if (i.code === 'unrecognized_keys')
        return `unknown field ${i.keys.map((k) => `"${k}"`).join(', ')}`;
      const field = i.path.join('.') || 'event';
      const value =
        i.path.length > 0 && event && typeof event === 'object'
          ? (event as Record<string, unknown>)[String(i.path[0])]
          : event;
      return `${field} ${value === undefined ? '(missing)' : clip(value)} ${i.message}`;
    });
    throw new InvalidMoveRequestError(
      `invalid move request: ${problems.join('; ')}. Expected {"target": one of ${names}, "reason": "...", "expectedActive"?: node}`,
    );
  }
  for (const field of ['target', 'expectedActive'] as const) {
    const value = parsed.data[field];
    if (value !== undefined && !nodeByName(config, value)) {
      throw new InvalidMoveRequestError(
        `invalid move request: ${field} "${value}" is not a configured node; use one of ${names}`,
      );
    }
  }
  for (const name of parsed.data.fence ?? []) {
    if (!nodeByName(config, name) || name === parsed.data.target) {
      throw new InvalidMoveRequestError(
        `invalid move request: fence "${name}" is ${name === parsed.data.target ? 'the target' : 'not a configured node'}; list other nodes of ${names}`,
      );
    }
  }
  return parsed.data;
}
