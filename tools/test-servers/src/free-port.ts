import { createServer, type Server } from "node:net";

/** Asks the kernel for `count` distinct TCP ports that are currently free on 127.0.0.1. */
export async function freePorts(count: number): Promise<number[]> {
  // All listeners stay open until every port is known, so the kernel cannot hand out the same port twice.
  const servers: Server[] = [];
  try {
    const ports: number[] = [];
    for (let i = 0; i < count; i++) {
      const server = createServer();
      servers.push(server);
      ports.push(await listenOnAnyPort(server));
    }
    return ports;
  } finally {
    await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  }
}

/** Asks the kernel for one TCP port that is currently free on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const [port] = await freePorts(1);
  if (port === undefined) throw new Error("no port was assigned");
  return port;
}

function listenOnAnyPort(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      if (address !== null && typeof address === "object") resolve(address.port);
      else reject(new Error("could not read the port the kernel assigned"));
    });
  });
}
