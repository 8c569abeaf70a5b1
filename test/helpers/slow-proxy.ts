import { connect, createServer, type Socket } from 'node:net';

export interface SlowProxy {
  /** The target URL with the proxy's port: another URL for the same server. */
  url: string;
  stop(): Promise<void>;
}

/**
 * A TCP proxy in front of an HTTP server that holds every new connection for `delayMs`
 * before passing it on: a connect through it takes at least that long, so requests started
 * together (on two replicas) are still connecting when the other one's lands.
 */
export async function startSlowProxy(targetUrl: string, delayMs: number): Promise<SlowProxy> {
  const target = new URL(targetUrl);
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  };
  const server = createServer((client) => {
    track(client);
    client.pause();
    setTimeout(() => {
      if (client.destroyed) return;
      const upstream = connect(Number(target.port), target.hostname);
      track(upstream);
      upstream.once('close', () => client.destroy());
      client.once('close', () => upstream.destroy());
      client.pipe(upstream).pipe(client);
      client.resume();
    }, delayMs);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const url = new URL(targetUrl);
  url.port = String(port);
  return {
    url: url.toString(),
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
