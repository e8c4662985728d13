import { createServer as createTcpServer, isIP, type Server, type Socket, connect as tcpConnect } from "node:net";
import { createServer as createTlsServer, connect as tlsConnect } from "node:tls";
import { ListenError } from "../errors.js";
import type { TlsOptions } from "./settings.js";

/** What the server asks of its node for each accepted socket. */
export interface ServerHooks {
  /** Decides before anything is read whether `socket` may proceed; false closes it at once. */
  admit(socket: Socket): boolean;
  /** A socket passed admission (and TLS, with TLS): start its connection. */
  accepted(socket: Socket): void;
  /** A TLS handshake with a dialer failed (untrusted or missing certificate, not TLS at all). */
  tlsFailed(error: Error, peer: string): void;
}

/**
 * A TCP server, or a TLS one (TLS 1.2+, mutual with `tls.mutual`). Every socket passes `hooks.admit` first, before
 * TLS, so a flood costs no TLS handshakes.
 */
export function createServer(tls: TlsOptions | undefined, hooks: ServerHooks): Server {
  if (tls === undefined)
    return createTcpServer({ noDelay: true }, (socket) => {
      if (hooks.admit(socket)) hooks.accepted(socket);
      else socket.destroy();
    });
  const server = createTlsServer(
    {
      cert: tls.cert,
      key: tls.key,
      ...(tls.passphrase === undefined ? {} : { passphrase: tls.passphrase }),
      ...(tls.ca === undefined ? {} : { ca: tls.ca }),
      requestCert: tls.mutual === true,
      rejectUnauthorized: tls.mutual === true,
      minVersion: "TLSv1.2",
    },
    hooks.accepted,
  );
  const refused = new WeakSet<Socket>();
  // Runs before the TLS layer takes the raw socket.
  server.prependListener("connection", (raw: Socket) => {
    if (hooks.admit(raw)) return;
    refused.add(raw);
    raw.destroy();
  });
  server.on("tlsClientError", (error: Error, socket: Socket) => {
    // A socket refused by admission fails its TLS handshake too; that was logged already.
    const raw = (socket as unknown as { _parent?: Socket })._parent;
    if (raw !== undefined && refused.has(raw)) return;
    hooks.tlsFailed(error, `${socket.remoteAddress ?? "?"}:${socket.remotePort ?? "?"}`);
  });
  return server;
}

/** Listens on `host`:`port`; rejects with ListenError when the port is taken or the host is not local. */
export async function listen(server: Server, host: string, port: number): Promise<void> {
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, host, () => {
        server.off("error", reject);
        resolve();
      });
    });
  } catch (error) {
    throw new ListenError(host, port, error);
  }
}

/**
 * Dials `host`:`port` over TCP, or TLS when `tls` is set. The certificate chain is verified here (unless
 * rejectUnauthorized is false); which node it names is checked in the handshake, against the URI name of the
 * identity the other side claims, instead of Node's host-name check.
 */
export function dialSocket(tls: TlsOptions | undefined, host: string, port: number): Socket {
  if (tls === undefined) return tcpConnect({ host, port, noDelay: true });
  return tlsConnect({
    host,
    port,
    cert: tls.cert,
    key: tls.key,
    ...(tls.passphrase === undefined ? {} : { passphrase: tls.passphrase }),
    ...(tls.ca === undefined ? {} : { ca: tls.ca }),
    // SNI takes host names only; for an IP the certificate is checked against its IP addresses.
    ...(tls.serverName !== undefined ? { servername: tls.serverName } : isIP(host) === 0 ? { servername: host } : {}),
    rejectUnauthorized: tls.rejectUnauthorized ?? true,
    checkServerIdentity: () => undefined,
    minVersion: "TLSv1.2",
  });
}
