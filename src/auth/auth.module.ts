import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { GatewayConfig } from '../config/gateway-config.js';
import { ApiKeyGuard } from './api-key.guard.js';
import { CallLimiter } from './call-limiter.js';
import { ApiKeys } from './api-keys.js';
import { RateLimitModule } from './rate-limit/rate-limit.module.js';

@Global()
@Module({
  imports: [RateLimitModule],
  providers: [
    {
      provide: ApiKeys,
      inject: [GatewayConfig],
      useFactory: (config: GatewayConfig) =>
        ApiKeys.load(config.security.apiKeys, config.security.apiKeysFile),
    },
    { provide: APP_GUARD, useClass: ApiKeyGuard },
    CallLimiter,
  ],
  exports: [ApiKeys, CallLimiter, RateLimitModule],
})
export class AuthModule {}
