/**
 * The framework on top of the stores: grain state writes (an ask to a grain that adds to its Int64Value state and
 * awaits ctx.writeState() before replying) beside the same ask to a grain without state, and the recovery of an
 * event-sourced actor from 10,000 events with and without a snapshot. Used by persistence-bench.mjs.
 */
import { create } from "@bufbuild/protobuf";
import { Int64ValueSchema } from "@bufbuild/protobuf/wkt";
import { ActorSystem, silentLogger } from "@tsakt/actor";
import { grainOf, grains } from "@tsakt/grains";
import { EventSourcedActor, PersistenceCodec } from "@tsakt/persistence";

const one = create(Int64ValueSchema, { value: 1n });

/** A grain that adds each Int64Value to its state; with `persist` it writes the state before replying. */
function counterKind(persist) {
  return {
    factory: () => {
      let plain = 0n;
      return {
        async onReceive(ctx) {
          if (!persist) {
            plain += ctx.message.value;
            ctx.respond(plain);
            return;
          }
          ctx.state.value += ctx.message.value;
          await ctx.writeState();
          ctx.respond(ctx.state.value);
        },
      };
    },
    ...(persist ? { state: { schema: Int64ValueSchema } } : {}),
    idleMs: 600_000,
  };
}

function quantile(sorted, q) {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/** `total` asks spread over `grainCount` callers, each asking its own grain one call at a time. */
async function askRows(system, label, scenario, total, grainCount) {
  const refs = Array.from({ length: grainCount }, (_, i) => grainOf(system, "counter", `${label}-${grainCount}-${i}`));
  await Promise.all(refs.map((ref) => ref.ask(one, { timeoutMs: 60_000 })));
  const latencies = new Float64Array(total);
  let next = 0;
  const start = performance.now();
  await Promise.all(
    refs.map(async (ref) => {
      for (let i = next++; i < total; i = next++) {
        const t = performance.now();
        await ref.ask(one, { timeoutMs: 60_000 });
        latencies[i] = (performance.now() - t) * 1000;
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  latencies.sort();
  return { backend: label, scenario, p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99), rate: total / seconds };
}

/** Grain asks that write state (1 grain, 100 grains at once) on `store`; `store` undefined: plain in-memory grains. */
export async function grainRows(label, store, sizes) {
  const persist = store !== undefined;
  const system = await ActorSystem.start({
    name: "bench",
    logger: silentLogger,
    plugins: [grains({ kinds: { counter: counterKind(persist) }, ...(persist ? { stateStore: store } : {}) })],
  });
  try {
    const what = persist ? "grain state write" : "plain grain call (no state)";
    return [
      await askRows(system, label, `${what}, 1 grain`, sizes.sequential, 1),
      await askRows(system, label, `${what}, 100 grains at once`, sizes.concurrent, 100),
    ];
  } finally {
    await system.stop();
  }
}

/** Folds Int64Value deposits into a JSON state; a command is an array of amounts persisted as one batch. */
class BenchLedger extends EventSourcedActor {
  initialState() {
    return { count: 0, sum: 0 };
  }

  applyEvent(state, event) {
    return { count: state.count + 1, sum: state.sum + Number(event.value) };
  }

  async onCommand(ctx) {
    if (ctx.message === "get") ctx.respond(this.state);
    else {
      await this.persist(ctx.message.map((value) => create(Int64ValueSchema, { value: BigInt(value) })));
      ctx.respond(this.lastSequenceNr);
    }
  }
}

/** Time to spawn (recover) an event-sourced actor over `events` events, without and with snapshots; median of 3. */
export async function recoveryRows(label, journal, snapshots, events) {
  const codec = new PersistenceCodec({ types: [Int64ValueSchema], json: true });
  const run = `${label}-${process.pid}-${Date.now()}`;
  const variants = [
    { name: "without snapshots", options: { journal, codec, persistenceId: `${run}-plain` } },
    // The last snapshot of 10,000 events is at 9,000: recovery loads it and replays 1,000 events.
    { name: "snapshot every 1,500", options: { journal, snapshots, codec, persistenceId: `${run}-snap`, snapshotEvery: 1500 } },
  ];
  const system = await ActorSystem.start({ name: "bench", logger: silentLogger });
  const rows = [];
  try {
    // Write the events through the actors, in atomic batches of 100.
    for (const variant of variants) {
      const pid = await system.spawn(`writer-${variants.indexOf(variant)}`, () => new BenchLedger(variant.options));
      for (let b = 0; b < events / 100; b++)
        await pid.ask(
          Array.from({ length: 100 }, (_, i) => i),
          { timeoutMs: 60_000 },
        );
      await system.stopActor(pid);
    }
    for (const [index, variant] of variants.entries()) {
      const times = [];
      let state;
      for (let round = 0; round < 3; round++) {
        const start = performance.now();
        const pid = await system.spawn(`reader-${index}-${round}`, () => new BenchLedger(variant.options));
        times.push(performance.now() - start);
        state = await pid.ask("get");
        await system.stopActor(pid);
      }
      if (state.count !== events) throw new Error(`${label}: recovered ${state.count} of ${events} events`);
      const ms = times.sort((a, b) => a - b)[1];
      rows.push({ backend: label, scenario: `actor recovery, ${events.toLocaleString("en")} events, ${variant.name}`, ms });
    }
  } finally {
    await system.stop();
  }
  return rows;
}
