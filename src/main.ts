// First: V8 flags must be set before the code that allocates under load runs.
import './common/no-pretenuring.js';
import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { constants as osConstants } from 'node:os';
import type { Server } from 'node:http';
import type { INestApplication } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { bootLogger, createGatewayApp } from './app.factory.js';
import { errorMessage } from './common/errors/error-message.js';
import { applyHttpTimeouts } from './common/http/http-timeouts.js';
import { reportStartFailure } from './common/logging/start-failure.js';
import { GatewayConfig } from './config/gateway-config.js';
import { DrainService } from './health/drain.service.js';
import { killAllDescendantsNow } from './mcp/process-tree.js';
import { QueueTransport } from './queue/queue.transport.js';
import { ServersService } from './servers/servers.service.js';

async function main(): Promise<void> {
  const started = performance.now();
  const app = await createGatewayApp();
  const config = app.get(GatewayConfig);
  applyHttpTimeouts(
    app.getHttpServer() as Server,
    config.httpKeepAliveTimeoutMs,
    config.httpRequestTimeoutMs,
  );
  stopOnSignals(async () => {
    app.get(DrainService).begin();
    // Not ready, still serving: time for load balancers to stop sending before we stop taking.
    if (config.shutdownDelayMs > 0) await sleep(config.shutdownDelayMs);
    // Nest closes microservices only after the drain; the queue must stop taking work now.
    const queueStopped = app.get(QueueTransport).close();
    await app.close();
    await queueStopped;
  }, config.shutdownDelayMs + config.shutdownGraceMs);
  const { url, bound } = await listen(app, config);
  bootLogger.log(`Listening on ${url} (bound to ${bound}; Swagger UI at ${url}/docs)`);
  await app.get(ServersService).waitForInitialConnect();
  // A stop asked for meanwhile has said so; "Ready" after it would read as a restart.
  if (!app.get(DrainService).isDraining) {
    bootLogger.log(`Ready in ${Math.round(performance.now() - started)} ms`);
  }
}

/**
 * Binds the HTTP server; the URL to show from this machine, and the address bound (0.0.0.0
 * reads as localhost in the URL, and an operator checking what is exposed needs the truth).
 * Not app.listen: Nest logs a failure to bind
 * (EADDRINUSE, EADDRNOTAVAIL, EACCES) as an error line of its own before rejecting, and the
 * start failure then said it a second time, naming neither variable. Here it is said once.
 */
async function listen(
  app: INestApplication,
  config: GatewayConfig,
): Promise<{ url: string; bound: string }> {
  await app.init();
  const server = app.getHttpServer() as Server;
  await new Promise<void>((resolve, reject) => {
    const failed = (error: Error) =>
      reject(
        new Error(
          // The port may have come from PORT (hosting platforms set it), when GATEWAY_PORT is unset.
          `cannot listen on GATEWAY_HOST=${JSON.stringify(config.host)} GATEWAY_PORT=${config.port} (or PORT, when GATEWAY_PORT is unset): ${error.message}`,
        ),
      );
    server.once('error', failed);
    server.listen(config.port, config.host, () => {
      server.off('error', failed);
      resolve();
    });
  });
  // What app.listen would have told those who wait for it (HttpAdapterHost.listen$).
  app.get(HttpAdapterHost).listening = true;
  const { port, address } = server.address() as AddressInfo;
  // Wildcard and loopback addresses: reached from this machine as localhost.
  const local = ['0.0.0.0', '::', '127.0.0.1', '::1', '[::1]'].includes(config.host);
  const host = local ? 'localhost' : config.host.includes(':') ? `[${config.host}]` : config.host;
  const bound = address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
  return { url: `http://${host}:${port}`, bound };
}

/**
 * SIGTERM/SIGINT/SIGHUP: drain, close everything (connections, process trees), exit 0. Nest's own
 * shutdown hooks would re-raise the signal and exit 143, which orchestrators read as a crash.
 */
function stopOnSignals(stop: () => Promise<void>, graceMs: number): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      // A second Ctrl-C means "now": the calls in flight are given up, as with a kill.
      const why = `${signal} received again: exiting now, without waiting for calls in flight`;
      return exitNow('warn', why, 128 + (osConstants.signals[signal] ?? 0));
    }
    stopping = true;
    const since = performance.now();
    bootLogger.log(
      `${signal} received: shutting down (calls in flight get up to ${graceMs} ms; send it again to exit now)`,
    );
    // Whatever hangs, the process ends: grace for requests, then time to close connections;
    // and no stdio server's process tree outlives it.
    setTimeout(
      () => exitNow('error', 'shutdown did not finish in time; exiting', 1),
      graceMs + 15_000,
    ).unref();
    stop().then(
      () => {
        bootLogger.log(`Stopped in ${Math.round(performance.now() - since)} ms`);
        process.exit(0);
      },
      (error: unknown) => {
        bootLogger.error(`shutdown failed: ${errorMessage(error)}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  // A closed terminal: its stdio servers, each in a process group of its own, would not get it.
  process.on('SIGHUP', onSignal);
}

/** Ends the process at once, with every descendant it can still find: nothing outlives it. */
function exitNow(level: 'warn' | 'error', why: string, code: number): never {
  const killed = killAllDescendantsNow();
  bootLogger[level](`${why} (${killed} child process(es) killed)`);
  process.exit(code);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

main().catch((error: unknown) => {
  reportStartFailure(error);
  process.exit(1);
});
