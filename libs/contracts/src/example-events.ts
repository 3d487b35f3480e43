import type { CloudEventV1, DossierContextV1, DossierEventDataV1 } from './cloud-event';
import { DossierEventKind, EVENT_TYPES } from './dossier-event';

/** The realistic example of event-contract.md, for tests, fixtures and load generators. */
export const EXAMPLE_DOSSIER_CODE = '000.00.17.H31-250304-0012';
export const EXAMPLE_SOURCE = 'urn:dvc:motcua:hung-yen';

export const EXAMPLE_CONTEXT: DossierContextV1 = {
  dossierCode: EXAMPLE_DOSSIER_CODE,
  procedure: { code: '1.001612', name: 'Đăng ký khai sinh', sector: 'Hộ tịch', onlineLevel: 'full' },
  agency: { code: '000.00.17.H31', name: 'UBND huyện Văn Lâm', level: 'district', parentCode: '000.00.00.H31' },
};

const EXTRA_DATA: { [K in DossierEventKind]: { time: string; data: Record<string, unknown> } } = {
  received: {
    time: '2025-03-04T08:30:00+07:00',
    data: { channel: 'online', receivedAt: '2025-03-04T08:30:00+07:00', dueAt: '2025-03-10T17:00:00+07:00' },
  },
  completed: {
    time: '2025-03-07T10:15:00+07:00',
    data: { completedAt: '2025-03-07T10:15:00+07:00', outcome: 'approved' },
  },
  paid: {
    time: '2025-03-04T08:45:00+07:00',
    data: { paidAt: '2025-03-04T08:45:00+07:00', amountVnd: 8000, method: 'online' },
  },
  withdrawn: { time: '2025-03-05T14:00:00+07:00', data: { withdrawnAt: '2025-03-05T14:00:00+07:00' } },
};

/** A fresh, valid structured v1 event of the example dossier; safe to mutate. */
export function exampleCloudEvent(kind: DossierEventKind = 'received'): CloudEventV1 {
  const extra = EXTRA_DATA[kind];
  return structuredClone({
    specversion: '1.0',
    id: `motcua-hy-${kind}-0001`,
    source: EXAMPLE_SOURCE,
    type: EVENT_TYPES[kind],
    time: extra.time,
    subject: EXAMPLE_DOSSIER_CODE,
    datacontenttype: 'application/json',
    data: { ...EXAMPLE_CONTEXT, ...extra.data } as DossierEventDataV1,
  });
}
