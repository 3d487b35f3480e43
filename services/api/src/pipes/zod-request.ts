import { Body, Query } from '@nestjs/common';
import { ApiBody, ApiQuery, getSchemaPath } from '@nestjs/swagger';
import type { SchemaObject } from '@nestjs/swagger';
import { z } from 'zod';
import { ZodBodyPipe } from './zod-body.pipe';
import { ZodQueryPipe } from './zod-query.pipe';

/**
 * One zod schema per request: it validates the request (ZodBodyPipe, ZodQueryPipe) and it is what the OpenAPI
 * document says, so the two cannot drift apart. Descriptions and examples are the schemas' `.meta()`.
 *
 *   createTarget(@ZodBody('CreateTargetDto', createTargetBodySchema) body: CreateTargetBody)
 *   findTargets(@ZodQuery(targetsQuerySchema) query: TargetsQuery)
 *
 * The document shows what a client sends (zod's input side: before defaults and transforms).
 */

/** The request bodies by component name, as the decorators met them; setupOpenApi adds them to the document. */
const bodyComponents = new Map<string, z.ZodType>();

/** Schemas that validate by hand (`z.unknown().transform(...)`), and what they accept, for the document. */
const documentedShapes = new WeakMap<object, z.ZodType>();

/** Says that `schema`, opaque to the document (it validates in code), accepts what `shape` describes. */
export function documentAs<Schema extends z.ZodType>(schema: Schema, shape: z.ZodType): Schema {
  documentedShapes.set(schema, shape);
  return schema;
}

/** The body, validated by `schema`; documented as the component `name` (e.g. CreateTargetDto). */
export function ZodBody(name: string, schema: z.ZodType): ParameterDecorator {
  const known = bodyComponents.get(name);
  if (known && known !== schema) throw new Error(`two request bodies are named ${name}`);
  bodyComponents.set(name, schema);
  return (target, key, index) => {
    Body(new ZodBodyPipe(schema))(target, key, index);
    ApiBody({ schema: { $ref: getSchemaPath(name) } })(target, key!, descriptorOf(target, key!));
  };
}

/** The whole query string, validated by `schema` (an object schema, optionally piped into a transform); one documented parameter per property. */
export function ZodQuery(schema: z.ZodType): ParameterDecorator {
  const parameters = queryParameters(schema);
  return (target, key, index) => {
    Query(new ZodQueryPipe(schema))(target, key, index);
    for (const parameter of parameters) ApiQuery(parameter)(target, key!, descriptorOf(target, key!));
  };
}

/** The request-body components met so far, for the OpenAPI document. */
export function requestBodySchemas(): Record<string, SchemaObject> {
  return Object.fromEntries([...bodyComponents].map(([name, schema]) => [name, openApiSchemaOf(schema)]));
}

/** OpenAPI 3.0 of what a client sends to `schema`. */
export function openApiSchemaOf(schema: z.ZodType): SchemaObject {
  return z.toJSONSchema(schema, {
    target: 'openapi-3.0',
    io: 'input',
    // A transform's input side is documented; a refinement written in code is said in the description.
    unrepresentable: 'any',
    override: ({ zodSchema, jsonSchema }) => {
      const shape = documentedShapes.get(zodSchema);
      if (shape) Object.assign(jsonSchema, openApiSchemaOf(shape), z.globalRegistry.get(zodSchema as unknown as z.ZodType) ?? {});
      // `.int()` adds JavaScript's safe-integer bounds: not part of the contract.
      if (jsonSchema.maximum === Number.MAX_SAFE_INTEGER) delete jsonSchema.maximum;
      if (jsonSchema.minimum === Number.MIN_SAFE_INTEGER) delete jsonSchema.minimum;
    },
  }) as SchemaObject;
}

interface QueryParameter {
  name: string;
  required: boolean;
  description?: string;
  schema: SchemaObject;
}

function queryParameters(schema: z.ZodType): QueryParameter[] {
  const object = openApiSchemaOf(schema);
  if (object.type !== 'object' || !object.properties) throw new TypeError('ZodQuery needs an object schema');
  const required = new Set(object.required ?? []);
  return Object.entries(object.properties).map(([name, property]) => {
    const { description, ...parameterSchema } = property as SchemaObject;
    return { name, required: required.has(name), ...(description ? { description } : {}), schema: parameterSchema };
  });
}

function descriptorOf(target: object, key: string | symbol): PropertyDescriptor {
  const descriptor = Object.getOwnPropertyDescriptor(target, key);
  if (!descriptor) throw new TypeError(`ZodBody/ZodQuery decorate a method's parameter; ${String(key)} is not a method`);
  return descriptor;
}
