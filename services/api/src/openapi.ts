import type { INestApplication } from '@nestjs/common';
import { documentApi } from '@dvc/observability';

/** Swagger UI at `/docs`, the OpenAPI document at `/docs-json`. */
export function setupOpenApi(app: INestApplication): void {
  documentApi(
    app,
    'DVC Monitor API',
    'Tỷ lệ hồ sơ trực tuyến, đúng hạn và thanh toán trực tuyến của dịch vụ công (online submission, on-time ' +
      'completion and online payment rates of public services), from the one-stop systems’ dossier events. ' +
      'Periods are calendar periods in Asia/Ho_Chi_Minh.\n\n' +
      'Chỉ tiêu (targets) are managed here and audited; cảnh báo (alerts) are listed and acknowledged here, and người nhận ' +
      '(recipients) registered per agency; webhook endpoints receive signed alert events (their secret is shown only when set). **Who makes a change:** the API has no user authentication of ' +
      'its own yet. Every change (POST, PATCH, DELETE) must carry the `X-Actor` header — the user’s e-mail address or ' +
      'username — which the authenticating reverse proxy in front of the API sets from the signed-in user (and must strip ' +
      'from what clients send). The API trusts it as given and records it in the audit trail; a change without it is a 400. ' +
      'Do not expose the API without such a proxy.',
  );
}
