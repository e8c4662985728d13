// Helpers shared by the benches that run tsakt-server.mjs as their far side (delivery, streams).
import { spawn } from "node:child_process";

/** Median msg/s of `run(n)` (which resolves when n messages were handled) over 3 rounds after a full-size warm-up. */
export async function medianRate(n, run) {
  await run(n); // a full warm-up round: a tenth of one left the reliable path at a third of its speed (the JIT had not settled)
  const rounds = [];
  for (let i = 0; i < 3; i++) {
    const start = performance.now();
    await run(n);
    rounds.push((n / (performance.now() - start)) * 1000);
  }
  return rounds.sort((a, b) => a - b)[1];
}

/** Starts tsakt-server.mjs with `args`; resolves with the child and its address once it listens. */
export function startTsaktServer(args) {
  const script = new URL("./tsakt-server.mjs", import.meta.url).pathname;
  const child = spawn(process.execPath, [script, ...args], { stdio: ["ignore", "pipe", "inherit"] });
  process.on("exit", () => child.exitCode === null && child.kill("SIGKILL"));
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
      const line = out.split("\n").find((l) => l.startsWith("{"));
      if (line !== undefined) resolve({ child, address: JSON.parse(line).address });
    });
    child.once("exit", (code) => reject(new Error(`tsakt-server.mjs exited with ${code}`)));
  });
}

/** A rate as 1.23M, 456k or 789. */
export const formatRate = (r) => (r >= 1e6 ? `${(r / 1e6).toFixed(2)}M` : r >= 1e3 ? `${(r / 1e3).toFixed(0)}k` : r.toFixed(0));
