// Stands in for: nothing by itself. It is the plumbing the test bed's servers
// (the IMS and cache service emulators, the CONNECT proxy) share: they listen
// on 127.0.0.1, and close at once, open connections and all.
import type { Server, Socket } from 'node:net';

/**
 * Listens on 127.0.0.1 (any free port by default). Returns what closes the
 * server at once: it ends the connections still open (a hang, a tunnel) too.
 */
export async function listenOnLoopback(server: Server, port = 0): Promise<() => Promise<void>> {
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
}
