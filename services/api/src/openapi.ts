import type { INestApplication } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { edgeAccess, OidcTokenVerifier } from '@dvc/auth';
import { documentApi } from '@dvc/observability';
import type { ApiEnvironment } from './config/api-environment';
import { requestBodySchemas } from './pipes/zod-request';

/**
 * Swagger UI at `/docs`, the OpenAPI document at `/docs-json`, behind DOCS_ACCESS (loopback by default). The
 * access check is registered first, so it runs before Swagger's own handlers.
 */
export function setupOpenApi(app: INestApplication): void {
  const config = app.get<ConfigService<ApiEnvironment, true>>(ConfigService);
  app.use(['/docs', '/docs-json', '/docs-yaml'], edgeAccess(config.get('DOCS_ACCESS', { infer: true }), 'catalogue:read', app.get(OidcTokenVerifier)));
  documentApi(
    app,
    'DVC Monitor API',
    'Tỷ lệ hồ sơ trực tuyến, đúng hạn và thanh toán trực tuyến của dịch vụ công (online submission, on-time ' +
      'completion and online payment rates of public services), from the one-stop systems’ dossier events. ' +
      'Periods are calendar periods in Asia/Ho_Chi_Minh.\n\n' +
      'Chỉ tiêu (targets) are managed here and audited; cảnh báo (alerts) are listed and acknowledged here, and người nhận ' +
      '(recipients) registered per agency; webhook endpoints receive signed alert events (their secret is shown only when set).\n\n' +
      '**Sign-in.** Every endpoint but /health needs `Authorization: Bearer <access token>` of the province’s identity ' +
      'provider (OpenID Connect; Keycloak locally). Missing, expired, forged or foreign tokens are a 401; a role that does ' +
      'not hold the endpoint’s permission a 403 (each operation names its permission). What you see is narrowed to your ' +
      'scope, the agency subtrees of your token: lists leave out the rest, and a single resource outside it is a 404, as ' +
      'if it did not exist. Changes are audited with your token’s subject and name. See docs/security.md.',
    { bearerAuth: true, schemas: requestBodySchemas() },
  );
}
