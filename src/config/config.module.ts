import { Global, Module } from '@nestjs/common';
import { ConfigModule as NestConfigModule, ConfigService } from '@nestjs/config';
import { ENV_KEYS, validateEnv } from './env.schema.js';
import { GatewayConfig } from './gateway-config.js';

/** Loads `.env` when present, validates at boot, and exposes only the typed GatewayConfig. */
@Global()
@Module({
  imports: [NestConfigModule.forRoot({ validate: validateEnv, cache: true })],
  providers: [
    {
      provide: GatewayConfig,
      inject: [ConfigService],
      useFactory: (config: ConfigService) => {
        const env = validateEnv(
          Object.fromEntries(ENV_KEYS.map((k) => [k, config.get<unknown>(k)])),
        );
        return new GatewayConfig(env);
      },
    },
  ],
  exports: [GatewayConfig],
})
export class ConfigModule {}
