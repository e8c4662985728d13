// A plain node:net echo server on 127.0.0.1, to measure the round-trip floor under any framework.
// Prints {"port": ...}; with the argument "spin" its event loop keeps polling instead of sleeping.
import { createServer } from "node:net";

if (process.argv[2] === "spin") {
  const spin = () => setImmediate(spin);
  spin();
}
const server = createServer({ noDelay: true }, (socket) => socket.on("data", (d) => socket.write(d)));
server.listen(0, "127.0.0.1", () => process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`));
process.on("SIGTERM", () => process.exit(0));
