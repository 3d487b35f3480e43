import { AgencyRef, ApplicantType, CloudEventV1, DossierEventDataV1, EVENT_TYPES, ProcedureRef } from '@dvc/contracts';
import type { Agency } from '../model/agencies';
import type { Procedure } from '../model/catalogue/procedure-catalogue';
import type { Attribution, ScheduledEvent } from './dossier-lifecycle';
import { GeneratedCloudEvent } from './generated-cloud-event';
import { formatVietnamTime } from './vietnam-clock';

/** Read once: SWC compiles imported bindings to getter calls, measurable at a million events. */
const TYPES = EVENT_TYPES;

/**
 * Turns scheduled events into v1 CloudEvents. Procedure, agency and applicant objects are built once
 * and shared by every event that mentions them: less garbage, and `JSON.stringify` does not mind.
 */
export class EventFactory {
  private readonly procedures = new Map<Procedure, ProcedureRef>();
  private readonly agencies = new Map<Agency, AgencyRef>();
  private readonly applicants = new Map<ApplicantType, { type: ApplicantType }>();

  constructor(private readonly source: string) {}

  build(scheduled: ScheduledEvent): CloudEventV1 {
    const { dossier, kind } = scheduled;
    const time = formatVietnamTime(scheduled.at);
    const { offering, channel } = this.attributionAt(scheduled);
    const dossierCode = dossier.code;
    const procedure = this.procedureRef(offering.procedure);
    const agency = this.agencyRef(offering.agency);
    const applicant = this.applicant(offering.procedure.applicant);
    // Whole literals rather than spreading a shared context: one object shape per type keeps V8 fast.
    let data: DossierEventDataV1;
    switch (kind) {
      case 'received': {
        const receivedAt = scheduled.revision > 1 ? formatVietnamTime(dossier.receivedMs) : time;
        const dueAt = formatVietnamTime(dossier.dueMs);
        data = { dossierCode, procedure, agency, applicant, channel, receivedAt, dueAt };
        break;
      }
      case 'completed':
        data = { dossierCode, procedure, agency, applicant, completedAt: time, outcome: scheduled.outcome ?? 'approved' };
        break;
      case 'paid': {
        const amountVnd = offering.procedure.feeVnd;
        data = { dossierCode, procedure, agency, applicant, paidAt: time, amountVnd, method: scheduled.method ?? 'offline' };
        break;
      }
      case 'withdrawn':
        data = { dossierCode, procedure, agency, applicant, withdrawnAt: time };
        break;
    }
    const id = scheduled.revision > 1 ? `${dossierCode}:${kind}:${scheduled.revision}` : `${dossierCode}:${kind}`;
    return new GeneratedCloudEvent(id, this.source, TYPES[kind], time, dossierCode, data);
  }

  /** A correction re-attributes the dossier from its own time on; earlier events keep the original. */
  private attributionAt(scheduled: ScheduledEvent): Attribution {
    const { correction, received } = scheduled.dossier;
    if (correction === null) return received;
    if (scheduled.kind === 'received') return scheduled.revision > 1 ? correction : received;
    return scheduled.at >= correction.atMs ? correction : received;
  }

  private procedureRef(procedure: Procedure): ProcedureRef {
    let ref = this.procedures.get(procedure);
    if (ref === undefined) {
      ref = { code: procedure.code, name: procedure.name, sector: procedure.sector, onlineLevel: procedure.onlineLevel };
      this.procedures.set(procedure, ref);
    }
    return ref;
  }

  private agencyRef(agency: Agency): AgencyRef {
    let ref = this.agencies.get(agency);
    if (ref === undefined) {
      ref = { code: agency.code, name: agency.name, level: agency.level, parentCode: agency.parentCode };
      this.agencies.set(agency, ref);
    }
    return ref;
  }

  private applicant(type: ApplicantType): { type: ApplicantType } {
    let applicant = this.applicants.get(type);
    if (applicant === undefined) {
      applicant = { type };
      this.applicants.set(type, applicant);
    }
    return applicant;
  }
}
