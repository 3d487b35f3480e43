import { Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { z } from 'zod';
import { ErrorDto } from '../dtos/error.dto';
import {
  EffectiveTargetsDto,
  TargetAuditPageDto,
  TargetDto,
  TargetsPageDto,
} from '../dtos/target.dto';
import {
  CreateTargetBody,
  EffectiveTargetsQuery,
  OneTargetAuditQuery,
  TargetAuditQuery,
  TargetsQuery,
  UpdateTargetBody,
  createTargetBodySchema,
  effectiveTargetsQuerySchema,
  oneTargetAuditQuerySchema,
  targetAuditQuerySchema,
  targetsQuerySchema,
  updateTargetBodySchema,
} from '../dtos/targets-input.dto';
import { CurrentPrincipal, Principal, RequirePermission } from '@dvc/auth';
import { ZodBody, ZodQuery } from '../pipes/zod-request';
import { Page } from '../utils/page.util';
import { TargetsService } from '../services/targets.service';

const deleteQuerySchema = z.object({
  version: z
    .string()
    .regex(/^[1-9]\d{0,8}$/, 'must be the integer version you read')
    .transform(Number)
    .optional()
    .meta({ type: 'integer', minimum: 1, description: 'The version you read; a different current version is a 409' }),
});

@ApiTags('targets')
@Controller('v1/targets')
export class TargetsController {
  constructor(private readonly targetsService: TargetsService) {}

  @Get()
  @RequirePermission('targets:read')
  @ApiOperation({
    summary: 'Chỉ tiêu (targets): the rules that say which rate is below target',
    description:
      'A target holds one scope × metric × severity to a threshold. For a given agency or agency × procedure the most specific ' +
      'enabled rule wins (see GET /v1/targets/effective). The shipped defaults (scope all, onlineRate: critical below 0.10, ' +
      'warning below 0.50) are ordinary targets, editable and deletable. Listed: the shared rules (scope all, agencyLevel, ' +
      'onlineLevel, procedure), which apply to every agency, and the rules of agencies in your scope. Shared rules are ' +
      'changed by province operators only (targets:write-shared); agency administrators change the rules of their agencies.',
  })
  @ApiOkResponse({ type: TargetsPageDto })
  @ApiBadRequestResponse({ type: ErrorDto })
  findTargets(@CurrentPrincipal() principal: Principal, @ZodQuery(targetsQuerySchema) query: TargetsQuery): Promise<Page<TargetDto>> {
    return this.targetsService.findTargets(query, principal);
  }

  @Get('effective')
  @RequirePermission('targets:read')
  @ApiOperation({
    summary: 'Chỉ tiêu áp dụng (effective targets) for an agency, or an agency × procedure, and why',
    description:
      'Per metric and severity, the enabled rule that applies and how it matched. The most specific scope wins: ' +
      'agencyProcedure > procedure > agency (exact) > agency subtree (nearer ancestor first) > onlineLevel > agencyLevel > all; ' +
      'on a tie, the higher (stricter) threshold. Without procedure, the agency as a whole is evaluated and rules that name a ' +
      'procedure or an online level do not apply. The agency’s level and parents, and the procedure’s online level, come ' +
      'from the catalogue of agencies and procedures seen in the events: one not seen yet is a 404.',
  })
  @ApiOkResponse({ type: EffectiveTargetsDto })
  @ApiBadRequestResponse({ type: ErrorDto })
  @ApiNotFoundResponse({ type: ErrorDto, description: 'The agency or the procedure has not been seen in the events' })
  effectiveTargets(
    @CurrentPrincipal() principal: Principal,
    @ZodQuery(effectiveTargetsQuerySchema) query: EffectiveTargetsQuery,
  ): Promise<EffectiveTargetsDto> {
    return this.targetsService.effectiveTargets(query, principal);
  }

  @Get('audit')
  @RequirePermission('targets:read')
  @ApiOperation({ summary: 'Lịch sử thay đổi chỉ tiêu (audit trail of every target): who, what, when, before and after; newest first' })
  @ApiOkResponse({ type: TargetAuditPageDto })
  @ApiBadRequestResponse({ type: ErrorDto })
  findAudit(@CurrentPrincipal() principal: Principal, @ZodQuery(targetAuditQuerySchema) query: TargetAuditQuery) {
    return this.targetsService.findAudit(query, principal);
  }

  @Get(':id')
  @RequirePermission('targets:read')
  @ApiOperation({ summary: 'Một chỉ tiêu (one target)' })
  @ApiOkResponse({ type: TargetDto })
  @ApiNotFoundResponse({ type: ErrorDto })
  getTarget(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<TargetDto> {
    return this.targetsService.getTarget(id, principal);
  }

  @Get(':id/audit')
  @RequirePermission('targets:read')
  @ApiOperation({ summary: 'Lịch sử của một chỉ tiêu (one target’s history, also after its deletion), newest first' })
  @ApiOkResponse({ type: TargetAuditPageDto })
  @ApiNotFoundResponse({ type: ErrorDto, description: 'No target with this id ever existed' })
  findTargetAudit(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @ZodQuery(oneTargetAuditQuerySchema) query: OneTargetAuditQuery,
  ) {
    return this.targetsService.findTargetAudit(id, query, principal);
  }

  @Post()
  @RequirePermission('targets:write')
  @ApiOperation({
    summary: 'Tạo chỉ tiêu (create a target)',
    description:
      'Unknown properties are refused (400). One target per scope × metric × severity: another one for the same is a 409 ' +
      'naming the existing target. Codes need not have been seen in the events yet. Audited with your token’s subject and name.',
  })
  @ApiCreatedResponse({ type: TargetDto })
  @ApiBadRequestResponse({ type: ErrorDto, description: 'Invalid body; the message names each problem' })
  @ApiConflictResponse({ type: ErrorDto, description: 'A target for this scope, metric and severity exists' })
  createTarget(@CurrentPrincipal() principal: Principal, @ZodBody('CreateTargetDto', createTargetBodySchema) body: CreateTargetBody): Promise<TargetDto> {
    return this.targetsService.createTarget(body, principal);
  }

  @Patch(':id')
  @RequirePermission('targets:write')
  @ApiOperation({
    summary: 'Sửa chỉ tiêu (change threshold, severity, enabled or note)',
    description:
      'Optimistic concurrency: the body must carry the `version` you read; if the target has changed since, the answer is 409 ' +
      'with its current version and nothing changes. Scope and metric cannot change (delete and create instead). A change ' +
      'that changes nothing returns the target as it is, without a new version or audit entry. Audited with your token’s subject and name.',
  })
  @ApiOkResponse({ type: TargetDto })
  @ApiBadRequestResponse({ type: ErrorDto })
  @ApiNotFoundResponse({ type: ErrorDto })
  @ApiConflictResponse({ type: ErrorDto, description: 'Stale version, or the new severity collides with another target' })
  updateTarget(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @ZodBody('UpdateTargetDto', updateTargetBodySchema) body: UpdateTargetBody,
  ): Promise<TargetDto> {
    return this.targetsService.updateTarget(id, body, principal);
  }

  @Delete(':id')
  @RequirePermission('targets:write')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Xoá chỉ tiêu (delete a target)',
    description: 'With ?version=N, only if the target is still at that version (409 otherwise). Its history stays. Audited with your token’s subject and name.',
  })
  @ApiNoContentResponse()
  @ApiBadRequestResponse({ type: ErrorDto })
  @ApiNotFoundResponse({ type: ErrorDto })
  @ApiConflictResponse({ type: ErrorDto })
  async deleteTarget(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @ZodQuery(deleteQuerySchema) query: z.output<typeof deleteQuerySchema>,
  ): Promise<void> {
    await this.targetsService.deleteTarget(id, query.version ?? null, principal);
  }
}
