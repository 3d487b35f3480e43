import { DynamicModule, Module, Provider } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { APP_GUARD } from '@nestjs/core';
import { AuthorizationGuard } from './authorization.guard';
import { OidcEnvironment, oidcEnvironment } from './oidc-environment';
import { OidcTokenVerifier } from './token-verifier';

/**
 * The token verifier configured from the app's ConfigService (whose schema must include `oidcEnvironment`): for
 * AuthModule, and for an app that verifies tokens behind a guard of its own (the console).
 */
export const oidcTokenVerifierProvider: Provider = {
  provide: OidcTokenVerifier,
  inject: [ConfigService],
  useFactory: (config: ConfigService) => {
    const values = Object.fromEntries(Object.keys(oidcEnvironment.shape).map((key) => [key, config.get(key)]));
    return new OidcTokenVerifier(values as OidcEnvironment);
  },
};

/**
 * Bearer-token authentication and permission checks for every handler of the app that imports it. The
 * app's environment schema must include `oidcEnvironment` (the values are read from its ConfigService).
 */
@Module({})
export class AuthModule {
  static forRoot(): DynamicModule {
    return {
      module: AuthModule,
      global: true,
      providers: [
        oidcTokenVerifierProvider,
        { provide: APP_GUARD, useClass: AuthorizationGuard },
      ],
      exports: [OidcTokenVerifier],
    };
  }
}
