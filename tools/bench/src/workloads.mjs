/**
 * The scenarios, written once and run against any driver: all looping, timing and the completion condition
 * live here, so every library gets the same N, the same message and the same notion of "done".
 * Each workload returns a flat object of named metrics (numbers).
 */
import { Countdown, Flood, MSG } from "./message.mjs";
import { LagSampler, median, medianOfRounds, nextLoopTurn, quantile, settledHeapUsed } from "./stats.mjs";

/** @typedef {import("./scenarios/driver.mjs").Driver<any>} Driver */

/** 1 → 1: one sender (outside any actor) tells `n` messages; timed until the receiver processed the last. */
export async function tell(driver, { n, rounds }) {
  const round = new Countdown();
  const ref = await driver.counter(round);
  const { ms, rounds: measured } = await medianOfRounds(async () => {
    const done = round.arm(n);
    const t0 = performance.now();
    for (let i = 0; i < n; i++) driver.tell(ref);
    await done;
    return performance.now() - t0;
  }, rounds);
  return { rate: (n / ms) * 1000, rounds: measured };
}

/** 1 → `actors`: one sender tells `n` messages round-robin; timed until all receivers processed their share. */
export async function fanout(driver, { n, actors, rounds }) {
  const round = new Countdown();
  const refs = [];
  for (let i = 0; i < actors; i++) refs.push(await driver.counter(round));
  const { ms, rounds: measured } = await medianOfRounds(async () => {
    const done = round.arm(n);
    const t0 = performance.now();
    for (let i = 0, j = 0; i < n; i++) {
      driver.tell(refs[j]);
      if (++j === actors) j = 0;
    }
    await done;
    return performance.now() - t0;
  }, rounds);
  return { rate: (n / ms) * 1000, rounds: measured };
}

/**
 * Router overhead: `n` tells through a round-robin pool router to `routees` counters, beside `n` plain tells to one
 * counter in the same process; only for drivers that have routers.
 */
export async function router(driver, { n, routees, rounds }) {
  const round = new Countdown();
  const pool = await driver.router(round, routees);
  const plainRef = await driver.counter(round);
  const timed = (ref) =>
    medianOfRounds(async () => {
      const done = round.arm(n);
      const t0 = performance.now();
      for (let i = 0; i < n; i++) driver.tell(ref);
      await done;
      return performance.now() - t0;
    }, rounds);
  const routed = await timed(pool);
  const plain = await timed(plainRef);
  const rate = (n / routed.ms) * 1000;
  const plainRate = (n / plain.ms) * 1000;
  return { rate, plain: plainRate, ratio: rate / plainRate, rounds: routed.rounds };
}

/**
 * batchTell beside a loop of tell: `n` messages to one counter in batches of `batch` (one array, prepared before
 * timing), then `n` plain tells to another counter in the same process; only for drivers that have batchTell.
 */
export async function batch(driver, { n, batch: size, rounds }) {
  const round = new Countdown();
  const batchedRef = await driver.counter(round);
  const plainRef = await driver.counter(round);
  const messages = new Array(size).fill(MSG);
  const batched = await medianOfRounds(async () => {
    const done = round.arm(n);
    const t0 = performance.now();
    for (let sent = 0; sent < n; sent += size) driver.batchTell(batchedRef, messages);
    await done;
    return performance.now() - t0;
  }, rounds);
  const plain = await medianOfRounds(async () => {
    const done = round.arm(n);
    const t0 = performance.now();
    for (let i = 0; i < n; i++) driver.tell(plainRef);
    await done;
    return performance.now() - t0;
  }, rounds);
  const rate = (n / batched.ms) * 1000;
  const plainRate = (n / plain.ms) * 1000;
  return { rate, plain: plainRate, ratio: rate / plainRate, rounds: batched.rounds };
}

/**
 * Send by name beside a held PID: `n` tells by `system.tell(name, …)` (the PID cache hit: the first send resolved the
 * name before timing) to one counter, then `n` tells through the held PID to the same counter; only for drivers that
 * send by name.
 */
export async function byName(driver, { n, rounds }) {
  const round = new Countdown();
  const { name, ref } = await driver.namedCounter(round);
  const warm = round.arm(1);
  await driver.tellByName(name);
  await warm;
  const named = await medianOfRounds(async () => {
    const done = round.arm(n);
    const t0 = performance.now();
    for (let i = 0; i < n; i++) driver.tellByName(name);
    await done;
    return performance.now() - t0;
  }, rounds);
  const held = await medianOfRounds(async () => {
    const done = round.arm(n);
    const t0 = performance.now();
    for (let i = 0; i < n; i++) driver.tell(ref);
    await done;
    return performance.now() - t0;
  }, rounds);
  const rate = (n / named.ms) * 1000;
  const plainRate = (n / held.ms) * 1000;
  return { rate, plain: plainRate, ratio: rate / plainRate, rounds: named.rounds };
}

/** Two actors exchange `n` request/reply pairs, each reply a tell back; rate in exchanges per second. */
export async function pingpong(driver, { n, rounds }) {
  const round = new Countdown();
  const serve = await driver.pingPong(round);
  const { ms, rounds: measured } = await medianOfRounds(async () => {
    const done = round.arm(n);
    const t0 = performance.now();
    serve();
    await done;
    return performance.now() - t0;
  }, rounds);
  return { rate: (n / ms) * 1000, rounds: measured };
}

/** `n` asks awaited one at a time after `warmup` unmeasured ones; latency of each in µs. */
export async function ask(driver, { n, warmup }) {
  const ref = await driver.responder();
  for (let i = 0; i < warmup; i++) await driver.ask(ref);
  const samples = new Float64Array(n);
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const start = performance.now();
    await driver.ask(ref);
    samples[i] = (performance.now() - start) * 1000;
  }
  const total = performance.now() - t0;
  return { p50: quantile(samples, 0.5), p99: quantile(samples, 0.99), rate: (n / total) * 1000 };
}

/**
 * Spawns `count` idle actors as fast as the library allows, then reports the spawn rate and the heap each
 * idle actor keeps (heapUsed delta after full GCs ÷ count; the array holding the refs is allocated before
 * the baseline so it is not counted).
 */
export async function spawn(driver, { count }) {
  const refs = new Array(count).fill(null);
  await nextLoopTurn();
  const before = settledHeapUsed();
  const t0 = performance.now();
  await driver.spawnIdle(refs);
  const ms = performance.now() - t0;
  await nextLoopTurn();
  const after = settledHeapUsed();
  if (refs[count - 1] === null) throw new Error("spawnIdle did not fill every slot");
  return { rate: (count / ms) * 1000, bytes: (after - before) / count };
}

/**
 * One actor floods itself (`inflight` messages, each sent back to itself) for `ms` while a 1 ms interval
 * timer measures event-loop lag; repeated `rounds` times with a pause between. Reports the median over
 * rounds of lag p99 and max in ms, and of the flood's own rate in msg/s.
 */
export async function lag(driver, { ms, inflight, rounds }) {
  const flood = new Flood();
  const ref = await driver.flooder(flood);
  const p99s = [];
  const maxes = [];
  const rates = [];
  for (let r = 0; r < rounds; r++) {
    await nextLoopTurn();
    const sampler = new LagSampler(1);
    sampler.start();
    const done = flood.arm(inflight, ms);
    const t0 = performance.now();
    for (let i = 0; i < inflight; i++) driver.tell(ref);
    await done;
    const elapsed = performance.now() - t0;
    const lagged = sampler.stop();
    p99s.push(lagged.p99);
    maxes.push(lagged.max);
    rates.push((flood.count / elapsed) * 1000);
  }
  return { p99: median(p99s), max: median(maxes), rate: median(rates) };
}
