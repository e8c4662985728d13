// The echo floor over a Unix domain socket beside loopback TCP: one echo process listening on both, measured from
// this process over each in turn (alternating, the order swapped every round), median of the rounds. It answers
// whether same-host nodes gain anything from a Unix socket before a framework adds its own costs.
import { mkdtempSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { median, roundTripLatency } from "./latency.mjs";

/** Frames of `frameBytes` written one `write()` each, at most `window` bytes unanswered; frames per second. */
async function pipelined(socket, frames, frameBytes, window) {
  const frame = Buffer.alloc(frameBytes, 7);
  const total = frames * frameBytes;
  let received = 0;
  let sent = 0;
  let resume;
  const done = new Promise((resolve) => {
    socket.on("data", (d) => {
      received += d.length;
      if (received >= total) resolve();
      else if (resume !== undefined && sent - received < window / 2) {
        const r = resume;
        resume = undefined;
        r();
      }
    });
  });
  const start = performance.now();
  while (sent < total) {
    while (sent < total && sent - received < window) {
      socket.write(frame);
      sent += frameBytes;
    }
    if (sent < total) await new Promise((r) => (resume = r));
  }
  await done;
  socket.removeAllListeners("data");
  return frames / ((performance.now() - start) / 1000);
}

async function measure(target, { roundTrips, frames, frameBytes, bulkFrames, bulkBytes }) {
  const socket = connect(target);
  await new Promise((resolve, reject) => socket.once("connect", resolve).once("error", reject));
  let wake;
  const onData = () => wake();
  socket.on("data", onData);
  const payload = Buffer.alloc(48);
  const once = () => new Promise((r) => ((wake = r), socket.write(payload)));
  await roundTripLatency(Math.min(1000, roundTrips), once);
  const latency = await roundTripLatency(roundTrips, once);
  socket.off("data", onData);
  const small = await pipelined(socket, frames, frameBytes, 256 * 1024);
  const bulk = await pipelined(socket, bulkFrames, bulkBytes, 4 << 20);
  socket.destroy();
  return { ...latency, small, bulk: (bulk * bulkBytes) / (1 << 20) };
}

/**
 * Starts the echo server on TCP 127.0.0.1 and on a Unix socket, then for `rounds` rounds measures both (sequential
 * round trips of 48 bytes, p50/p99 µs; pipelined `frameBytes` frames, frames/s; bulk 64 KiB writes, MiB/s).
 * Returns the median of each figure per kind.
 */
export async function socketFloor(startChild, options) {
  const { rounds = 3, roundTrips = 10_000, frames = 200_000, frameBytes = 64, bulkFrames = 2_000, bulkBytes = 64 * 1024 } = options;
  const dir = mkdtempSync(join(tmpdir(), "tsakt-bench-"));
  const path = join(dir, "echo.sock");
  const { child, info } = await startChild("./raw-echo-server.mjs", "--unix", path);
  const sizes = { roundTrips, frames, frameBytes, bulkFrames, bulkBytes };
  const runs = { tcp: [], unix: [] };
  try {
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? ["tcp", "unix"] : ["unix", "tcp"];
      for (const kind of order) {
        const target = kind === "tcp" ? { host: "127.0.0.1", port: info.port, noDelay: true } : { path };
        runs[kind].push(await measure(target, sizes));
      }
    }
  } finally {
    child.kill("SIGTERM");
    rmSync(dir, { recursive: true, force: true });
  }
  const summary = (list) => Object.fromEntries(["p50", "p99", "small", "bulk"].map((k) => [k, median(list.map((r) => r[k]))]));
  return { tcp: summary(runs.tcp), unix: summary(runs.unix), rounds, ...sizes };
}
