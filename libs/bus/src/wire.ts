import { ErrorCode as NatsErrorCode, type Msg, type NatsConnection, type NatsError } from 'nats';
import { CommandFailure } from '@berth/contracts';
import {
  fromDetail,
  TimeoutError,
  toErrorDetail,
  UnavailableError,
  ValidationError,
} from '@berth/errors';
import type { z } from 'zod';
import { collectReply, respondAnySize } from './chunked.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export const encode = (value: unknown): Uint8Array => encoder.encode(JSON.stringify(value));

/** The JSON in a message, or a ValidationError. */
export const parseJson = (bytes: Uint8Array): unknown => {
  try {
    return JSON.parse(decoder.decode(bytes));
  } catch {
    throw new ValidationError('message is not valid JSON');
  }
};

/** Decodes and validates a message; the error names the first bad field. */
export const decode = <S extends z.ZodType>(schema: S, bytes: Uint8Array): z.infer<S> =>
  validate(schema, parseJson(bytes));

/** Validates parsed JSON against a schema; the error names the first bad field. */
export const validate = <S extends z.ZodType>(schema: S, json: unknown): z.infer<S> => {
  const result = schema.safeParse(json);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue?.path.join('.') ?? '';
  throw new ValidationError(
    `${field || 'message'}: ${issue?.message ?? 'invalid'}`,
    field ? { field } : {},
  );
};

/**
 * Answers a request with `value`, whatever its size. A reply that cannot be sent becomes an
 * error reply, and one that cannot even be that is dropped: the requester times out, the
 * process goes on.
 */
export const reply = (nc: NatsConnection, msg: Msg, value: unknown): void => {
  if (msg.reply === undefined) return;
  try {
    if (respondAnySize(nc, msg, encode(value))) return;
  } catch (error) {
    try {
      msg.respond(encode({ ok: false, error: toErrorDetail(error) }));
    } catch {
      // The connection is closing; nothing more can be said.
    }
  }
};

const isNatsError = (error: unknown, code: string) =>
  error instanceof Error && (error as NatsError).code === code;

/**
 * One request with retries on "no responders" and timeouts (the payload, and so any
 * commandId in it, is the same each time). Returns the successful reply, throws the error one.
 */
export const request = async (
  nc: NatsConnection,
  subject: string,
  payload: Uint8Array,
  what: string,
  timeoutMs: number,
  attempts: number,
): Promise<unknown> => {
  let lastError: Error = new UnavailableError(`no service answers ${what}`);
  for (let attempt = 1; attempt <= attempts; attempt++) {
    let reply: unknown;
    try {
      const answer = await nc.request(subject, payload, { timeout: timeoutMs });
      reply = JSON.parse(decoder.decode(await collectReply(nc, answer.data, timeoutMs)));
    } catch (error) {
      if (isNatsError(error, NatsErrorCode.NoResponders)) {
        lastError = new UnavailableError(`no service answers ${what}`, { cause: error });
        await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
        continue;
      }
      if (isNatsError(error, NatsErrorCode.Timeout)) {
        lastError = new TimeoutError(`${what} got no reply within ${timeoutMs} ms`, {
          cause: error,
        });
        continue;
      }
      throw error;
    }
    const failure = CommandFailure.safeParse(reply);
    if (failure.success) throw fromDetail(failure.data.error);
    return reply;
  }
  throw lastError;
};
