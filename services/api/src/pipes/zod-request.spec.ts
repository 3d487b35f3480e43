import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { DECORATORS } from '@nestjs/swagger';
import { z } from 'zod';
import { createTargetBodySchema, effectiveTargetsQuerySchema, updateTargetBodySchema } from '../dtos/targets-input.dto';
import { ratesQuerySchema } from '../dtos/rates-query.dto';
import { indicatorsQuerySchema } from '../dtos/indicators-query.dto';
import { ZodBodyPipe } from './zod-body.pipe';
import { ZodQueryPipe } from './zod-query.pipe';
import { documentAs, openApiSchemaOf, requestBodySchemas, ZodBody, ZodQuery } from './zod-request';

const probeBody = z.strictObject({ code: z.string().min(1).meta({ description: 'A code', example: 'A1' }), note: z.string().nullable().optional() });
const probeQuery = z
  .object({
    agency: z.string().meta({ description: 'Mã cơ quan' }),
    limit: z.string().optional().transform(Number).meta({ type: 'integer', minimum: 1 }),
  })
  .transform((query) => query);

class ProbeController {
  create(@ZodBody('ProbeBodyDto', probeBody) body: unknown): unknown {
    return body;
  }

  list(@ZodQuery(probeQuery) query: unknown): unknown {
    return query;
  }
}

describe('one zod schema per request: validation and OpenAPI', () => {
  it('validates the body with the schema and documents it as a named component', () => {
    const [parameter] = Object.values(Reflect.getMetadata(ROUTE_ARGS_METADATA, ProbeController, 'create') as Record<string, { pipes: unknown[] }>);
    expect(parameter.pipes[0]).toBeInstanceOf(ZodBodyPipe);
    expect(Reflect.getMetadata(DECORATORS.API_PARAMETERS, ProbeController.prototype.create)).toEqual([
      expect.objectContaining({ in: 'body', schema: { $ref: '#/components/schemas/ProbeBodyDto' } }),
    ]);
    expect(requestBodySchemas().ProbeBodyDto).toEqual({
      type: 'object',
      properties: {
        code: { type: 'string', minLength: 1, description: 'A code', example: 'A1' },
        note: { type: 'string', nullable: true },
      },
      required: ['code'],
      additionalProperties: false,
    });
  });

  it('validates the query with the schema and documents one parameter per property, required as the schema says', () => {
    const [parameter] = Object.values(Reflect.getMetadata(ROUTE_ARGS_METADATA, ProbeController, 'list') as Record<string, { pipes: unknown[] }>);
    expect(parameter.pipes[0]).toBeInstanceOf(ZodQueryPipe);
    const documented = Reflect.getMetadata(DECORATORS.API_PARAMETERS, ProbeController.prototype.list);
    expect(documented).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ in: 'query', name: 'agency', required: true, description: 'Mã cơ quan', schema: { type: 'string' } }),
        expect.objectContaining({ in: 'query', name: 'limit', required: false, schema: { type: 'integer', minimum: 1 } }),
      ]),
    );
    expect(documented).toHaveLength(2);
  });

  it('refuses two different bodies under one component name', () => {
    expect(() => ZodBody('ProbeBodyDto', z.object({}))).toThrow('two request bodies are named ProbeBodyDto');
  });

  it('documents a hand-checked schema as the shape it is said to accept', () => {
    const opaque = documentAs(z.unknown().transform((value) => value).meta({ description: 'checked by hand' }), z.strictObject({ kind: z.literal('all') }));
    expect(openApiSchemaOf(z.object({ scope: opaque }))).toMatchObject({
      properties: { scope: { type: 'object', properties: { kind: { enum: ['all'] } }, required: ['kind'], description: 'checked by hand' } },
    });
  });

  it('says of the API’s own schemas what a client must send', () => {
    const create = openApiSchemaOf(createTargetBodySchema);
    expect(create.required).toEqual(['scope', 'metric', 'threshold', 'severity']);
    expect(create.additionalProperties).toBe(false);
    // The scope is checked by hand (for messages that name its kind) and documented as the union of its kinds.
    expect((create.properties!.scope as { anyOf: Array<{ properties: { kind: { enum: string[] } } }> }).anyOf.map((kind) => kind.properties.kind.enum[0])).toEqual([
      'all',
      'agencyLevel',
      'onlineLevel',
      'agency',
      'procedure',
      'agencyProcedure',
    ]);
    const update = openApiSchemaOf(updateTargetBodySchema);
    expect(update.required).toEqual(['version']);
    // No JavaScript safe-integer bound leaks from `.int()`.
    expect(update.properties!.version).toEqual(expect.objectContaining({ type: 'integer', minimum: 1 }));
    expect(update.properties!.version).not.toHaveProperty('maximum');
    expect(openApiSchemaOf(effectiveTargetsQuerySchema).required).toEqual(['agency']);
    expect(openApiSchemaOf(indicatorsQuerySchema).required).toEqual(['period']);
    expect(Object.keys(openApiSchemaOf(ratesQuerySchema).properties!)).toEqual(['period', 'from', 'to', 'groupBy', 'agency', 'subtree', 'procedure', 'limit', 'cursor']);
  });
});
