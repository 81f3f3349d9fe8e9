/** Binding a node:http server and naming its URL, the same way for every listener (gateway, admin API, models). */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Listens on `host:port` (port 0 picks a free one); rejects with the bind error (e.g. EADDRINUSE). Malformed HTTP
 * gets a plain 400 and a closed connection instead of Node's silent reset, and is reported to `onMalformed`.
 */
export function listen(server: Server, host: string, port: number, onMalformed: (err: Error) => void = () => {}): Promise<void> {
  server.on('clientError', (err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
    onMalformed(err);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** `http://host:port` of a listening server, with IPv6 hosts bracketed. */
export function urlOf(server: Server, host: string): string {
  const { port } = server.address() as AddressInfo;
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}
