import { z } from 'zod';
import * as contracts from '@berth/contracts';
import { ErrorCode, httpStatusOf } from '@berth/contracts';
import { operations, type Answer, type Operation } from './operations.js';

type JsonSchema = Record<string, unknown>;

/** Contract schemas shown once under `components.schemas` and referenced by name. */
const NAMED = [
  'Account',
  'AccountWithQuota',
  'AuditEvent',
  'ClusterInfo',
  'Container',
  'DestroyAccepted',
  'Engine',
  'ErrorBody',
  'Group',
  'Health',
  'JoinAccepted',
  'JoinTokenAnswer',
  'LoginResult',
  'ReplayReport',
  'RunAccepted',
  'ScaleAccepted',
  'UpdateAccepted',
  'VerifyReport',
  'AddAccountBody',
  'AddEngineBody',
  'ChangePasswordBody',
  'JoinEngineBody',
  'LoginBody',
  'RunBody',
  'SetQuotaBody',
  'UpdateBody',
] as const satisfies readonly (keyof typeof contracts)[];
const nameOf = new Map<unknown, string>(NAMED.map((name) => [contracts[name], name]));

/** Requests are documented as clients write them (strings in queries), answers as they come. */
const toSchema = (schema: z.ZodType, io: 'input' | 'output'): JsonSchema => {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, {
    io,
    target: 'draft-2020-12',
    unrepresentable: 'any',
  });
  return rest;
};

const schemaRef = (schema: z.ZodType, io: 'input' | 'output'): JsonSchema => {
  const name = nameOf.get(schema);
  if (name !== undefined) return { $ref: `#/components/schemas/${name}` };
  if (schema instanceof z.ZodArray)
    return { type: 'array', items: schemaRef(schema.element as z.ZodType, io) };
  return toSchema(schema, io);
};

const openApiPath = (path: string) => path.replace(/:(\w+)/g, '{$1}');

/** The codes a status stands for, so a client knows which `error.code` it may see. */
const codesOf = (status: number) =>
  Object.values(ErrorCode).filter((code) => httpStatusOf[code] === status);

const errorStatuses = (op: Operation) => {
  const statuses = new Set(op.errors ?? []);
  if (!op.open) [401, 403, 503, 504].forEach((s) => statuses.add(s));
  if (op.query !== undefined || op.body !== undefined || op.path.includes(':')) statuses.add(400);
  if (op.body !== undefined) statuses.add(413);
  statuses.add(500);
  return [...statuses].sort((a, b) => a - b);
};

const errorResponse = (status: number) => ({
  description:
    status === 413
      ? 'The body is larger than 64 KiB (code `invalid`).'
      : `Error; \`error.code\` is one of: ${codesOf(status).join(', ')}.`,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorBody' } } },
});

const MEDIA: Record<Exclude<Answer, { json: z.ZodType }>['kind'], string | undefined> = {
  empty: undefined,
  text: 'text/plain',
  sse: 'text/event-stream',
  html: 'text/html',
  prometheus: 'text/plain; version=0.0.4',
};

const successResponse = (answer: Answer) => {
  if ('json' in answer)
    return {
      description: answer.description,
      ...(answer.headers === undefined
        ? {}
        : {
            headers: Object.fromEntries(
              Object.entries(answer.headers).map(([name, description]) => [
                name,
                { description, schema: { type: 'string' } },
              ]),
            ),
          }),
      content: { 'application/json': { schema: schemaRef(answer.json, 'output') } },
    };
  const media = MEDIA[answer.kind];
  return {
    description: answer.description,
    ...(media === undefined ? {} : { content: { [media]: { schema: { type: 'string' } } } }),
  };
};

const IDEMPOTENCY_KEY =
  'A UUID naming this request: a retry with the same key (same account and route) answers the first outcome and changes nothing more.';

const parameters = (op: Operation) => {
  const path = [...op.path.matchAll(/:(\w+)/g)].map(([, name]) => ({
    name,
    in: 'path',
    required: true,
    schema: { type: 'string', maxLength: 64 },
  }));
  const query = op.query === undefined ? {} : toSchema(op.query, 'input');
  const required = new Set((query.required as string[] | undefined) ?? []);
  const fromQuery = Object.entries((query.properties ?? {}) as Record<string, JsonSchema>).map(
    ([name, schema]) => ({ name, in: 'query', required: required.has(name), schema }),
  );
  const retriable = (op.method === 'post' || op.method === 'delete') && op.open !== true;
  const allHeaders = retriable ? { ...op.headers, 'Idempotency-Key': IDEMPOTENCY_KEY } : op.headers;
  const headers = Object.entries(allHeaders ?? {}).map(([name, description]) => ({
    name,
    in: 'header',
    required: false,
    description,
    schema: { type: 'string' },
  }));
  return [...path, ...fromQuery, ...headers];
};

const operationObject = (op: Operation) => {
  const params = parameters(op);
  return {
    operationId: `${op.method}${op.path.replace(/[^a-zA-Z0-9]+(\w?)/g, (_, c: string) => c.toUpperCase())}`,
    summary: op.summary,
    tags: [op.tag],
    ...(op.admin ? { description: 'Admins only.' } : {}),
    ...(op.open ? { security: [] } : {}),
    ...(params.length === 0 ? {} : { parameters: params }),
    ...(op.body === undefined
      ? {}
      : {
          requestBody: {
            required: true,
            content: { 'application/json': { schema: schemaRef(op.body, 'input') } },
          },
        }),
    responses: {
      [String(op.answer.status)]: successResponse(op.answer),
      ...Object.fromEntries(errorStatuses(op).map((s) => [String(s), errorResponse(s)])),
    },
  };
};

const REQUEST_SCHEMAS = new Set<string>(NAMED.filter((name) => name.endsWith('Body')));
REQUEST_SCHEMAS.delete('ErrorBody');

/** The OpenAPI 3.1 document of the API, made from the contracts' zod schemas. */
export const openApiDocument = (version = '0.1.0') => {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of operations) {
    const path = (paths[openApiPath(op.path)] ??= {});
    path[op.method] = operationObject(op);
  }
  const schemas = Object.fromEntries(
    NAMED.map((name) => [
      name,
      toSchema(contracts[name], REQUEST_SCHEMAS.has(name) ? 'input' : 'output'),
    ]),
  );
  return {
    openapi: '3.1.0',
    info: {
      title: 'Berth API',
      version,
      description:
        'Every error is `{ "error": { "code", "message", "field"? } }`; `field` names the bad ' +
        'input. Sessions come from POST /auth/login.',
    },
    security: [{ bearer: [] }, { accessToken: [] }],
    tags: [...new Set(operations.map((op) => op.tag))].map((name) => ({ name })),
    paths,
    components: {
      schemas,
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer' },
        accessToken: {
          type: 'apiKey',
          in: 'header',
          name: 'X-Access-Token',
          description: '`username:token`',
        },
      },
    },
  };
};
export type OpenApiDocument = ReturnType<typeof openApiDocument>;
