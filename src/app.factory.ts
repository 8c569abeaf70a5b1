import { Logger, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module.js';
import { authenticateEarly } from './auth/authenticate-early.js';
import { checkConfiguration, type ConfigOptions } from './config/config.module.js';
import { AllExceptionsFilter } from './common/http/all-exceptions.filter.js';
import { answerClientErrorsInJson } from './common/http/client-errors.js';
import { jsonBodyParser } from './common/http/body-parser.js';
import { middlewareChain } from './common/http/middleware-chain.js';
import { GatewayExpressAdapter } from './common/http/express-adapter.js';
import { GatewayValidationPipe } from './common/http/gateway-validation.pipe.js';
import { HostOriginPolicy, hostOriginMiddleware } from './common/http/host-origin-policy.js';
import { requestIdMiddleware } from './common/http/request-id.js';
import { rejectBlankSessionId } from './common/http/session-id.decorator.js';
import { GatewayMetrics } from './analytics/metrics/gateway-metrics.js';
import { httpMetricsMiddleware } from './analytics/metrics/http-metrics.middleware.js';
import { accessLogMiddleware } from './common/logging/access-log.js';
import { createAppLogger } from './common/logging/app-logger.js';
import { requestContextMiddleware } from './common/logging/request-context.js';
import { GatewayConfig } from './config/gateway-config.js';
import { DrainService } from './health/drain.service.js';
import { QueueTransport } from './queue/queue.transport.js';
import { ServersService } from './servers/servers.service.js';
import { setUpSwagger } from './swagger.js';

/**
 * Builds the whole gateway, ready to listen: used by main.ts and by the e2e tests, so the
 * tests exercise exactly what runs in production.
 */
export interface GatewayAppOptions extends ConfigOptions {
  /** Where logs go; the stdio door needs stderr, since stdout carries the protocol. */
  logTo?: 'stdout' | 'stderr';
  /**
   * Consume the queue (default true). A desktop client's `--stdio` process is no worker:
   * with Redis configured it must not take requests off the shared stream.
   */
  consumeQueue?: boolean;
}

export async function createGatewayApp(options: GatewayAppOptions = {}): Promise<INestApplication> {
  // Registering loads `.env`; checking the configuration before Nest starts turns a bad value
  // into one plain message instead of a framework stack trace.
  const appModule = AppModule.register(options);
  const checked = checkConfiguration(options);
  const app = await NestFactory.create<NestExpressApplication>(
    appModule,
    new GatewayExpressAdapter(),
    {
      bodyParser: false,
      abortOnError: false,
      // The gateway's own logger from the first line: a failure while the modules are built is
      // then logged in LOG_FORMAT at LOG_LEVEL too, not in the framework's colours.
      logger: createAppLogger(checked, options.logTo),
      // By the time the HTTP server closes, the drain has waited for requests in flight and the
      // MCP door has ended its streams: what is left are idle keep-alive connections, which
      // would otherwise hold the close until each client's own keep-alive timeout.
      forceCloseConnections: true,
    },
  );
  const config = app.get(GatewayConfig);
  // No ETag: Express hashes every JSON answer for it, POSTs included, and no client here
  // revalidates. No X-Powered-By: the framework is nobody's business.
  answerClientErrorsInJson(app.getHttpServer());
  app.set('etag', false);
  app.disable('x-powered-by');
  // Express then takes req.ip from X-Forwarded-For, counting back this many hops, no more.
  if (config.trustedProxies > 0) app.set('trust proxy', config.trustedProxies);
  // What every request passes before routing, in this order, as one layer of Express's router.
  app.use(
    middlewareChain([
      requestIdMiddleware,
      httpMetricsMiddleware(app.get(GatewayMetrics)),
      // Logged before the Host/Origin check: a refused foreign Host is a DNS-rebinding signal.
      accessLogMiddleware,
      hostOriginMiddleware(new HostOriginPolicy(config.host, config.allowedHosts)),
      app.get(DrainService).middleware,
      authenticateEarly(app),
      ...jsonBodyParser(config.maxBodyBytes),
      requestContextMiddleware,
      rejectBlankSessionId,
    ]),
  );
  app.useGlobalPipes(
    new GatewayValidationPipe({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      stopAtFirstError: false,
    }),
  );
  app.useGlobalFilters(new AllExceptionsFilter());
  setUpSwagger(app);
  await app.get(ServersService).loadConfigFile();
  // The queue door (Redis Streams with Redis, else in-process); requests wait for the servers.
  if (options.consumeQueue !== false && config.queue.enabled) {
    app.connectMicroservice({ strategy: app.get(QueueTransport) });
    await app.startAllMicroservices();
  }
  return app;
}

export const bootLogger = new Logger('Gateway');
