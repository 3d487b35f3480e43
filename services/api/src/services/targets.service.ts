import { ConflictException, ForbiddenException, Injectable, NotFoundException } from '@nestjs/common';
import { actorOf, may, Principal } from '@dvc/auth';
import type { AgencyLevel, OnlineLevel } from '@dvc/contracts';
import {
  ALERT_SEVERITIES,
  EffectiveTarget,
  explainEffectiveTarget,
  TARGET_METRICS,
  TargetReason,
  TargetRule,
  TargetScope,
  TargetSubject,
  resolveEffectiveTargets,
} from '@dvc/domain';
import type { EffectiveTargetDto, EffectiveTargetsDto, TargetAuditEntryDto, TargetDto } from '../dtos/target.dto';
import {
  CreateTargetBody,
  EffectiveTargetsQuery,
  OneTargetAuditQuery,
  TargetAuditQuery,
  TargetsQuery,
  UpdateTargetBody,
  isUuid,
} from '../dtos/targets-input.dto';
import { GuardedResult, TargetAuditRecord, TargetView, TargetsRepository } from '../repositories/targets.repository';
import { Page, toPage } from '../utils/page.util';

const UNIQUE_VIOLATION = '23505';

@Injectable()
export class TargetsService {
  constructor(private readonly targetsRepository: TargetsRepository) {}

  /** The shared rules and those of agencies in the caller's scope. */
  async findTargets(query: TargetsQuery, principal: Principal): Promise<Page<TargetDto>> {
    const rows = await this.targetsRepository.find({
      scopeKind: query.scopeKind ?? null,
      metric: query.metric ?? null,
      agencyCode: query.agency ?? null,
      procedureCode: query.procedure ?? null,
      after: query.cursor,
      limit: query.limit + 1,
      scopeRoots: principal.scope.agencyRoots,
    });
    return toPage(rows, query.limit, (row) => [row.cursorCreatedAt, row.target.id], (row) => row.target);
  }

  async getTarget(id: string, principal: Principal): Promise<TargetDto> {
    const target = isUuid(id) ? await this.targetsRepository.findOne(id, principal.scope.agencyRoots) : null;
    if (!target) throw notFound(id);
    return target;
  }

  async createTarget(body: CreateTargetBody, principal: Principal): Promise<TargetDto> {
    await this.refuseUnlessMayChange(body.scope, principal);
    const target = { scope: body.scope, metric: body.metric, threshold: body.threshold, severity: body.severity };
    try {
      return await this.targetsRepository.create({ ...target, enabled: body.enabled ?? true, note: body.note ?? null }, actorOf(principal));
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      const existing = await this.targetsRepository.findByKey(target.scope, target.metric, target.severity);
      throw new ConflictException(
        `a ${target.severity} ${target.metric} target for this scope already exists` +
          (existing ? ` (id ${existing.id}, version ${existing.version}); change it with PATCH /v1/targets/${existing.id} instead` : ''),
      );
    }
  }

  async updateTarget(id: string, body: UpdateTargetBody, principal: Principal): Promise<TargetDto> {
    await this.refuseUnlessMayChangeTarget(id, principal);
    const { version, ...changes } = body;
    try {
      return guarded(id, version, await this.targetsRepository.update(id, version, changes, actorOf(principal), principal.scope.agencyRoots));
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      throw new ConflictException(
        `severity: target ${id} cannot become ${changes.severity ?? '?'}: another ${changes.severity ?? ''} target for the same scope and metric exists`,
      );
    }
  }

  async deleteTarget(id: string, version: number | null, principal: Principal): Promise<void> {
    await this.refuseUnlessMayChangeTarget(id, principal);
    guarded(id, version, await this.targetsRepository.delete(id, version, actorOf(principal), principal.scope.agencyRoots));
  }

  /**
   * A rule of one agency (agency, agencyProcedure) may be changed by holders of targets:write whose scope holds
   * that agency; a shared rule (all, agencyLevel, onlineLevel, procedure everywhere) affects every agency, so it
   * needs targets:write-shared. 403 otherwise: the caller may see shared rules, so nothing is hidden by saying so.
   */
  private async refuseUnlessMayChange(scope: TargetScope, principal: Principal): Promise<void> {
    const agencyCode = scope.kind === 'agency' || scope.kind === 'agencyProcedure' ? scope.agencyCode : null;
    if (agencyCode === null) {
      if (!may(principal, 'targets:write-shared')) {
        throw new ForbiddenException(`scope: a ${scope.kind} rule applies to every agency and needs permission targets:write-shared (province-operator)`);
      }
      return;
    }
    if (!(await this.targetsRepository.agencyInScope(agencyCode, principal.scope.agencyRoots))) {
      throw new ForbiddenException(`scope.agencyCode: ${agencyCode} is outside your scope`);
    }
  }

  /** A target the caller cannot see is a 404; one it sees but may not change (a shared rule) a 403. A scope never changes. */
  private async refuseUnlessMayChangeTarget(id: string, principal: Principal): Promise<void> {
    const current = isUuid(id) ? await this.targetsRepository.findOne(id, principal.scope.agencyRoots) : null;
    if (!current) throw notFound(id);
    await this.refuseUnlessMayChange(current.scope, principal);
  }

  /** Audit entries of the targets the caller sees. */
  async findAudit(query: TargetAuditQuery, principal: Principal): Promise<Page<TargetAuditEntryDto>> {
    const rows = await this.targetsRepository.findAudit({
      targetId: query.targetId ?? null,
      actor: query.actor ?? null,
      action: query.action ?? null,
      beforeId: query.cursor,
      limit: query.limit + 1,
      scopeRoots: principal.scope.agencyRoots,
    });
    return toPage(rows, query.limit, (row) => [row.id], toAuditEntry);
  }

  /** The history of one target, also after it was deleted; 404 only if it never existed. */
  async findTargetAudit(id: string, query: OneTargetAuditQuery, principal: Principal): Promise<Page<TargetAuditEntryDto>> {
    if (!isUuid(id) || !(await this.targetsRepository.everExisted(id, principal.scope.agencyRoots))) throw notFound(id, 'never existed');
    return this.findAudit({ ...query, targetId: id }, principal);
  }

  /** For an agency of the caller's scope (404 otherwise, as for an unknown one). */
  async effectiveTargets(query: EffectiveTargetsQuery, principal: Principal): Promise<EffectiveTargetsDto> {
    const agencyCode = query.agency;
    const agency = await this.targetsRepository.agencySubject(agencyCode, principal.scope.agencyRoots);
    if (!agency) {
      throw new NotFoundException(`agency ${JSON.stringify(agencyCode)} is not known: no event has named it yet, so its level and parents are unknown`);
    }
    let procedureOnlineLevel: string | null = null;
    if (query.procedure !== undefined) {
      procedureOnlineLevel = await this.targetsRepository.procedureOnlineLevel(query.procedure);
      if (procedureOnlineLevel === null) {
        throw new NotFoundException(`procedure ${JSON.stringify(query.procedure)} is not known: no event has named it yet, so its online level is unknown`);
      }
    }
    const subject: TargetSubject = {
      agencyCode: agency.code,
      agencyLevel: agency.level as AgencyLevel,
      ...(query.procedure !== undefined ? { procedureCode: query.procedure, procedureOnlineLevel: procedureOnlineLevel as OnlineLevel } : {}),
    };
    const views = await this.targetsRepository.candidateRules([agency.code, ...agency.ancestry], query.procedure ?? null);
    const byId = new Map(views.map((view) => [view.id, view]));
    const resolved = resolveEffectiveTargets(views.map(toRule), subject, agency.ancestry);

    const targets: EffectiveTargetDto[] = [];
    for (const metric of TARGET_METRICS) {
      if (query.metric !== undefined && metric !== query.metric) continue;
      for (const severity of ALERT_SEVERITIES) {
        const effective: EffectiveTarget | undefined = resolved[metric][severity];
        if (!effective) continue;
        const rule = byId.get(effective.rule.id)!;
        targets.push({
          metric,
          severity,
          threshold: rule.threshold,
          rule,
          matchedBy: effective.matchedBy,
          ...reasonFields(explainEffectiveTarget(effective, subject)),
          overridden: effective.overridden.map((other) => ({ rule: byId.get(other.rule.id)!, matchedBy: other.matchedBy })),
        });
      }
    }
    return {
      subject: {
        agencyCode: agency.code,
        agencyLevel: agency.level,
        agencyAncestry: agency.ancestry,
        procedureCode: query.procedure ?? null,
        procedureOnlineLevel,
      },
      targets,
    };
  }
}

function toRule(view: TargetView): TargetRule {
  return { id: view.id, scope: view.scope, metric: view.metric, threshold: view.threshold, severity: view.severity, enabled: view.enabled };
}

function toAuditEntry(record: TargetAuditRecord): TargetAuditEntryDto {
  return { ...record, at: record.at.toISOString() };
}

function guarded<T>(id: string, version: number | null, result: GuardedResult<T>): T {
  if (result.outcome === 'notFound') throw notFound(id);
  if (result.outcome === 'stale') {
    throw new ConflictException(
      `version: target ${id} is at version ${result.current.version}, not ${version}: it was changed meanwhile ` +
        `(last by ${result.current.updatedBy} at ${result.current.updatedAt}); read it again and re-apply your change`,
    );
  }
  return result.value;
}

function notFound(id: string, how = 'does not exist'): NotFoundException {
  return new NotFoundException(`target ${JSON.stringify(id.length > 40 ? `${id.slice(0, 40)}…` : id)} ${how}`);
}

export function isUniqueViolation(error: unknown): boolean {
  const driverError = (error as { driverError?: { code?: string }; code?: string } | null) ?? {};
  return driverError.code === UNIQUE_VIOLATION || driverError.driverError?.code === UNIQUE_VIOLATION;
}

function reasonFields(reason: TargetReason): Pick<EffectiveTargetDto, 'reason' | 'reasonVi'> {
  return { reason: reason.en, reasonVi: reason.vi };
}
