import { CLOUDEVENTS_SPEC_VERSION, CloudEventV1, DossierEventDataV1, MEDIA_TYPES } from '@dvc/contracts';

/**
 * A v1 CloudEvent as the generator builds it: always these attributes in this order (assigned in the
 * constructor, so the order holds whichever class-field semantics the compiler uses), and `data` in
 * the order `EventFactory` writes it. The class is a promise of that shape, which lets `NdjsonEncoder`
 * write such events from a template instead of inspecting them. A copy (`{ ...event }`, as
 * `breakEvent` makes) is a plain object again and takes the general path. Never add or remove keys.
 */
// Read once: SWC compiles imported bindings to getter calls, measurable at a million events.
const SPEC_VERSION = CLOUDEVENTS_SPEC_VERSION;
const JSON_MEDIA_TYPE = MEDIA_TYPES.json;

export class GeneratedCloudEvent implements CloudEventV1 {
  [extension: string]: unknown;
  readonly specversion: string;
  readonly id: string;
  readonly source: string;
  readonly type: string;
  readonly time: string;
  readonly subject: string;
  readonly datacontenttype: string;
  readonly data: DossierEventDataV1;

  constructor(id: string, source: string, type: string, time: string, subject: string, data: DossierEventDataV1) {
    this.specversion = SPEC_VERSION;
    this.id = id;
    this.source = source;
    this.type = type;
    this.time = time;
    this.subject = subject;
    this.datacontenttype = JSON_MEDIA_TYPE;
    this.data = data;
  }
}
