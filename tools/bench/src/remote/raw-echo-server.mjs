// A plain node:net echo server on 127.0.0.1, to measure the round-trip floor under any framework.
// Prints {"port": ...}; with the argument "spin" its event loop keeps polling instead of sleeping. With
// "--unix <path>" it also echoes on a Unix domain socket at that path and prints {"port", "path"}.
import { createServer } from "node:net";

const args = process.argv.slice(2);
if (args.includes("spin")) {
  const spin = () => setImmediate(spin);
  spin();
}
const unixAt = args.indexOf("--unix");
const unixPath = unixAt < 0 ? undefined : args[unixAt + 1];
const echo = (socket) => socket.on("data", (d) => socket.write(d));
const server = createServer({ noDelay: true }, echo);
const listening = [new Promise((resolve) => server.listen(0, "127.0.0.1", resolve))];
const unixServer = unixPath === undefined ? undefined : createServer(echo);
if (unixServer !== undefined) listening.push(new Promise((resolve) => unixServer.listen(unixPath, resolve)));
await Promise.all(listening);
process.stdout.write(`${JSON.stringify({ port: server.address().port, ...(unixPath ? { path: unixPath } : {}) })}\n`);
process.on("SIGTERM", () => {
  unixServer?.close(); // removes the socket file
  server.close();
  process.exit(0);
});
