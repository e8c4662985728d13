// The far side of the comedy remote benchmark: a comedy listener on 127.0.0.1 that creates remote actors on request.
// Prints {"port": ...} once it listens.
import { createRequire } from "node:module";
import { createServer } from "node:net";

const require = createRequire(import.meta.url);
const actors = require("comedy");

const port = await new Promise((resolve) => {
  const probe = createServer().listen(0, "127.0.0.1", () => {
    const p = probe.address().port;
    probe.close(() => resolve(p));
  });
});
const system = actors({ test: true });
await system.listen(port, "127.0.0.1");
process.on("SIGTERM", () => process.exit(0));
process.stdout.write(`${JSON.stringify({ port })}\n`);
