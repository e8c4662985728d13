import { createServer as createTcpServer, isIP, type Server, type Socket, connect as tcpConnect } from "node:net";
import { createServer as createTlsServer, connect as tlsConnect } from "node:tls";
import type { Logger } from "@tsakt/actor";
import { ListenError } from "../errors.js";
import type { TlsOptions } from "./settings.js";

/** A TCP server, or a TLS one (TLS 1.2+, mutual with `tls.mutual`), handing every accepted socket to `onSocket`. */
export function createServer(tls: TlsOptions | undefined, logger: Logger, onSocket: (socket: Socket) => void): Server {
  if (tls === undefined) return createTcpServer({ noDelay: true }, onSocket);
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
    onSocket,
  );
  server.on("tlsClientError", (error: Error, socket: Socket) => {
    logger.warn({ err: error, peer: `${socket.remoteAddress ?? "?"}:${socket.remotePort ?? "?"}` }, "TLS client refused");
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

/** Dials `host`:`port` over TCP, or TLS when `tls` is set (the certificate checked against the host unless `tls.serverName`). */
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
    minVersion: "TLSv1.2",
  });
}
