import { Resolver } from "node:dns/promises";
import { request } from "node:http";
import { connect } from "node:net";

/** Connects to 127.0.0.1:port and resolves true once the server's first line starts with `prefix`. */
export function tcpGreets(port: number, prefix: string, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    let received = "";
    const socket = connect({ host: "127.0.0.1", port });
    const finish = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => finish(false));
    socket.on("error", () => finish(false));
    socket.on("data", (chunk: Buffer) => {
      received += chunk.toString("utf8");
      if (received.includes("\n")) finish(received.startsWith(prefix));
    });
  });
}

/** GETs http://127.0.0.1:port/path and resolves true when the body satisfies `accept`. */
export function httpAnswers(port: number, path: string, accept: (body: string) => boolean, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ host: "127.0.0.1", port, path, method: "GET", timeout: timeoutMs }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve(res.statusCode === 200 && accept(body)));
      res.on("error", () => resolve(false));
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve(false));
    req.end();
  });
}

/** Asks the DNS server on 127.0.0.1:port for the A record of `name` and resolves true when it answers with `address`. */
export async function dnsAnswers(port: number, name: string, address: string, timeoutMs = 500): Promise<boolean> {
  const resolver = new Resolver({ timeout: timeoutMs, tries: 1 });
  resolver.setServers([`127.0.0.1:${port}`]);
  try {
    return (await resolver.resolve4(name)).includes(address);
  } catch {
    return false;
  } finally {
    resolver.cancel();
  }
}

/** Sends a PostgreSQL startup message and resolves true once the server answers AuthenticationOk (trust auth). */
export function postgresAccepts(port: number, user: string, database: string, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const params = Buffer.from(`user\0${user}\0database\0${database}\0\0`, "utf8");
    const startup = Buffer.alloc(8 + params.length);
    startup.writeInt32BE(startup.length, 0);
    startup.writeInt32BE(196_608, 4); // protocol 3.0
    params.copy(startup, 8);
    const socket = connect({ host: "127.0.0.1", port });
    let received = Buffer.alloc(0);
    const finish = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => finish(false));
    socket.on("error", () => finish(false));
    socket.on("connect", () => socket.write(startup));
    socket.on("data", (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (received.length < 9) return;
      // 'R' with code 0 is AuthenticationOk; 'E' (for example "the database system is starting up") is not ready.
      finish(received[0] === 0x52 && received.readInt32BE(5) === 0);
    });
  });
}
