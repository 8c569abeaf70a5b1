import 'reflect-metadata';
import { createGatewayApp, bootLogger } from './app.factory.js';
import { GatewayConfig } from './config/gateway-config.js';
import { ServersService } from './servers/servers.service.js';
import { errorMessage } from './common/errors/error-message.js';

async function main(): Promise<void> {
  const started = performance.now();
  const app = await createGatewayApp();
  const config = app.get(GatewayConfig);
  await app.listen(config.port, config.host);
  const url = (await app.getUrl()).replace('[::1]', 'localhost').replace('127.0.0.1', 'localhost');
  bootLogger.log(`Listening on ${url} (Swagger UI at ${url}/docs)`);
  await app.get(ServersService).waitForInitialConnect();
  bootLogger.log(`Ready in ${Math.round(performance.now() - started)} ms`);
}

main().catch((error: unknown) => {
  // A bad config is the common case here: print its message plainly, without a stack.
  const message = errorMessage(error);
  process.stderr.write(`mcp-gateway failed to start: ${message}\n`);
  process.exit(1);
});
