import { Logger, ValidationPipe, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module.js';
import type { ConfigOptions } from './config/config.module.js';
import { AllExceptionsFilter } from './common/http/all-exceptions.filter.js';
import { jsonBodyParser } from './common/http/body-parser.js';
import { nestLogLevels } from './common/http/log-levels.js';
import { requestIdMiddleware } from './common/http/request-id.js';
import { GatewayConfig } from './config/gateway-config.js';
import { ServersService } from './servers/servers.service.js';
import { setUpSwagger } from './swagger.js';

/**
 * Builds the whole gateway, ready to listen: used by main.ts and by the e2e tests, so the
 * tests exercise exactly what runs in production.
 */
export async function createGatewayApp(options: ConfigOptions = {}): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.register(options), {
    bodyParser: false,
    abortOnError: false,
    bufferLogs: true,
  });
  const config = app.get(GatewayConfig);
  app.useLogger(nestLogLevels(config.logLevel));
  app.use(requestIdMiddleware);
  app.use(...jsonBodyParser(config.maxBodyBytes));
  app.useGlobalPipes(
    new ValidationPipe({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      stopAtFirstError: false,
    }),
  );
  app.useGlobalFilters(new AllExceptionsFilter());
  app.enableShutdownHooks();
  setUpSwagger(app);
  await app.get(ServersService).loadConfigFile();
  return app;
}

export const bootLogger = new Logger('Gateway');
