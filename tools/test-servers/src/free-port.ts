import { createSocket } from "node:dgram";
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

/** Asks the kernel for a port that is free on 127.0.0.1 for both UDP and TCP, as a DNS server binds both. */
export async function freeUdpTcpPort(): Promise<number> {
  // Bounded: a UDP port whose TCP twin is taken is rare, so a handful of tries is plenty.
  for (let attempt = 0; attempt < 20; attempt++) {
    const socket = createSocket("udp4");
    try {
      const port = await new Promise<number>((resolve, reject) => {
        socket.once("error", reject);
        socket.bind(0, "127.0.0.1", () => resolve(socket.address().port));
      });
      if (await tcpPortFree(port)) return port;
    } finally {
      socket.close();
    }
  }
  throw new Error("found no port free for both UDP and TCP on 127.0.0.1 in 20 tries");
}

function tcpPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}
