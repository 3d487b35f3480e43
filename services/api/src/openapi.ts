import type { INestApplication } from '@nestjs/common';
import { documentApi } from '@dvc/observability';

/** Swagger UI at `/docs`, the OpenAPI document at `/docs-json`. */
export function setupOpenApi(app: INestApplication): void {
  documentApi(
    app,
    'DVC Monitor API',
    'Tỷ lệ hồ sơ trực tuyến, đúng hạn và thanh toán trực tuyến của dịch vụ công (online submission, on-time ' +
      'completion and online payment rates of public services), from the one-stop systems’ dossier events. ' +
      'Periods are calendar periods in Asia/Ho_Chi_Minh.',
  );
}
