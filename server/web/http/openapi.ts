import { z } from 'zod';
import { BPMN_LIMIT_BYTES, BPMN_TYPES, JSON_LIMIT_BYTES, type ApiRoute, type BodySpec, type ResponseDoc } from './route.js';

type JsonSchema = Record<string, unknown> & { properties?: Record<string, JsonSchema>; required?: string[]; description?: string };

const ErrorBodySchema = z.object({
  error: z.object({
    code: z.string().describe('stable: decide by code, never by message'),
    message: z.string(),
    details: z.unknown().optional().describe('field problems, BPMN problems, allowed events or the current revision, by code'),
  }),
});

const ERROR_REF = { $ref: '#/components/schemas/Error' };

/** OpenAPI 3.1 (JSON Schema 2020-12) of the routes, from the zod schemas that check their requests. */
export function openApiDocument(routes: ApiRoute[]): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) (paths[route.path.replace(/:(\w+)/g, '{$1}')] ??= {})[route.method] = operation(route);
  return {
    openapi: '3.1.0',
    info: {
      title: 'SOPflow API',
      version: '1',
      description: 'Tickets and workflows of SOPflow. Errors are {"error": {"code", "message", "details"}}; times are epoch milliseconds.',
    },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'an API token printed by `sopflow token create EMAIL`' } },
      schemas: { Error: jsonSchema(ErrorBodySchema) },
    },
    paths,
  };
}

function operation(route: ApiRoute) {
  const parameters = [...parametersOf(route.params, 'path'), ...parametersOf(route.query, 'query')];
  const errors: Record<number, string> = {};
  if (parameters.length || route.body) errors[400] = 'bad input: malformed JSON, or fields that fail their schema. details: [{field, message}]';
  if (route.access !== 'public') {
    errors[401] = 'no valid bearer token';
    errors[403] = `the user's role is below ${route.access}`;
  }
  if (route.body === 'workbook')
    errors[413] = `the workbook is past a limit: ${route.uploadLimitBytes ?? 'WORKBOOK_MAX_UPLOAD_BYTES'} bytes sent, or inflated size, rows, columns, cell length, read time. details: {limit, maximum}`;
  else if (route.body)
    errors[413] =
      route.body === 'bpmn'
        ? `the body is larger than ${route.bodyLimitBytes ?? BPMN_LIMIT_BYTES} bytes. details: {limit, maximum}`
        : `the body is larger than JSON_BODY_MAX_BYTES (${JSON_LIMIT_BYTES} by default), nests deeper than JSON_MAX_DEPTH, or stores more than a limit allows. details: {limit, maximum}`;
  Object.assign(errors, route.errors);
  return {
    operationId: route.operationId,
    tags: [route.tag],
    summary: route.summary,
    security: route.access === 'public' ? [] : [{ bearer: [] }],
    ...(route.access === 'public' ? {} : { description: `Needs at least the ${route.access} role.` }),
    ...(parameters.length ? { parameters } : {}),
    ...(route.body ? { requestBody: requestBodyOf(route.body) } : {}),
    responses: {
      ...Object.fromEntries(Object.entries(route.responses).map(([status, doc]) => [status, responseOf(doc)])),
      ...Object.fromEntries(
        Object.entries(errors).map(([status, description]) => [status, { description, content: { 'application/json': { schema: ERROR_REF } } }]),
      ),
    },
  };
}

function parametersOf(schema: z.ZodType | undefined, where: 'path' | 'query') {
  if (!schema) return [];
  const object = jsonSchema(schema);
  return Object.entries(object.properties ?? {}).map(([name, property]) => ({
    name,
    in: where,
    required: where === 'path' || (object.required ?? []).includes(name),
    ...(property.description ? { description: property.description } : {}),
    schema: property,
  }));
}

function requestBodyOf(body: Exclude<BodySpec, undefined>) {
  if (body === 'bpmn')
    return { required: true, content: Object.fromEntries(BPMN_TYPES.map((type) => [type, { schema: { type: 'string', description: 'BPMN 2.0 XML' } }])) };
  if (body === 'workbook') {
    const form = {
      type: 'object',
      required: ['file'],
      properties: {
        file: { type: 'string', contentMediaType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', description: 'the workbook (.xlsx)' },
      },
    };
    return { required: true, content: { 'multipart/form-data': { schema: form } } };
  }
  return { required: true, content: { 'application/json': { schema: jsonSchema(body) } } };
}

function responseOf(doc: ResponseDoc) {
  if (doc.xml) return { description: doc.description, content: { 'application/xml': { schema: { type: 'string' } } } };
  if (doc.file) return { description: doc.description, content: { [doc.file]: { schema: { type: 'string', contentMediaType: doc.file } } } };
  return { description: doc.description, ...(doc.schema ? { content: { 'application/json': { schema: jsonSchema(doc.schema) } } } : {}) };
}

/** As a request accepts it: objects stay open to properties added later, so responses may grow. */
function jsonSchema(schema: z.ZodType): JsonSchema {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { io: 'input' }) as JsonSchema;
  return rest;
}
