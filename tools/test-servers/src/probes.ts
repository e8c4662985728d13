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
