import { InvalidOptionError, isTsaktError } from "@tsakt/actor";
import { Flow, Sink, Source, StreamCancelledError } from "@tsakt/streams";
import { TestClock } from "@tsakt/testkit";
import { describe, expect, it } from "vitest";

/** A source of 1..n that counts how many elements it emitted and whether it was cancelled (its finally ran). */
function counted(n: number): { source: Source<number>; emitted: () => number; finished: () => boolean } {
  let emitted = 0;
  let finished = false;
  const source = Source.lazy(function* () {
    try {
      for (let i = 1; i <= n; i++) {
        emitted++;
        yield i;
      }
    } finally {
      finished = true;
    }
  });
  return { source, emitted: () => emitted, finished: () => finished };
}

/** Resolves after the given number of macrotask turns. */
const turns = async (n: number) => {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
};

describe("stages", () => {
  it("maps, filters and takes, pulling only what the sink asks for", async () => {
    const { source, emitted, finished } = counted(1000);
    const result = await source
      .map((x) => x * 10)
      .filter((x) => x % 20 === 0)
      .take(5)
      .runWith(Sink.collect());
    expect(result).toEqual([20, 40, 60, 80, 100]);
    expect(emitted()).toBe(10);
    expect(finished()).toBe(true);
  });

  it("runs a source again for each run and composes flows", async () => {
    const flow = Flow.create<number>()
      .map((x) => x + 1)
      .via(Flow.create<number>().filter((x) => x > 2));
    const source = Source.from([1, 2, 3]).via(flow);
    expect(await source.runWith(Sink.collect())).toEqual([3, 4]);
    expect(await source.runWith(Sink.fold(0, (a, x) => a + x))).toBe(7);
    expect(await source.runWith(Sink.ignore())).toBe(2);
  });

  it("mapAsync keeps upstream order and never runs more than `parallelism` calls at once", async () => {
    let running = 0;
    let most = 0;
    const result = await Source.from(Array.from({ length: 40 }, (_, i) => i))
      .mapAsync(4, async (x) => {
        running++;
        most = Math.max(most, running);
        await turns(40 - x); // earlier elements finish later
        running--;
        return x * 2;
      })
      .runWith(Sink.collect());
    expect(result).toEqual(Array.from({ length: 40 }, (_, i) => i * 2));
    expect(most).toBe(4);
  });

  it("mapAsync fails the stream with fn's error, in order", async () => {
    const run = Source.from([1, 2, 3])
      .mapAsync(2, async (x) => {
        if (x === 2) throw new Error("boom at 2");
        return x;
      })
      .runWith(Sink.collect());
    await expect(run).rejects.toThrow("boom at 2");
  });

  it("batch groups by size and flushes the last partial batch", async () => {
    expect(await Source.from([1, 2, 3, 4, 5]).batch(2).runWith(Sink.collect())).toEqual([[1, 2], [3, 4], [5]]);
  });

  it("batch emits a partial batch after withinMs", async () => {
    const clock = new TestClock();
    const { writable, source } = (await import("@tsakt/streams")).writableSource<number>();
    const batches: number[][] = [];
    const done = source.batch(10, { withinMs: 100, clock }).runWith(Sink.forEach((b) => void batches.push(b)));
    writable.write(1);
    writable.write(2);
    await turns(5);
    expect(batches).toEqual([]);
    await clock.advance(100);
    await turns(5);
    expect(batches).toEqual([[1, 2]]);
    writable.write(3);
    writable.end();
    await done;
    expect(batches).toEqual([[1, 2], [3]]);
  });

  it("throttle lets a burst through, then one element per interval on the clock", async () => {
    const clock = new TestClock();
    const seen: number[] = [];
    const done = Source.from([1, 2, 3, 4, 5])
      .throttle(1, 100, { burst: 2, clock })
      .runWith(Sink.forEach((x) => void seen.push(x)));
    await turns(10);
    expect(seen).toEqual([1, 2]);
    await clock.advance(100);
    await turns(10);
    expect(seen).toEqual([1, 2, 3]);
    await clock.advance(100);
    await turns(10);
    expect(seen).toEqual([1, 2, 3, 4]);
    await clock.advance(100);
    await done;
    expect(seen).toEqual([1, 2, 3, 4, 5]);
  });

  it("a slow sink slows the source: it is never more than one element ahead", async () => {
    const { source, emitted } = counted(50);
    let consumed = 0;
    let mostAhead = 0;
    await source
      .map((x) => x)
      .runWith(
        Sink.forEach(async () => {
          mostAhead = Math.max(mostAhead, emitted() - consumed);
          await turns(2);
          consumed++;
        }),
      );
    expect(consumed).toBe(50);
    expect(mostAhead).toBe(1);
  });

  it("an AbortSignal cancels a running stream: the source stops and runWith rejects with StreamCancelledError", async () => {
    const { writable, source } = (await import("@tsakt/streams")).writableSource<number>();
    let sourceCancelled = false;
    writable.on("error", () => undefined);
    const controller = new AbortController();
    const seen: number[] = [];
    const run = source
      .map((x) => x)
      .runWith(
        Sink.forEach((x) => void seen.push(x)),
        { signal: controller.signal },
      );
    writable.write(1);
    await turns(5);
    writable.write(2, (error) => {
      sourceCancelled = error !== null && error !== undefined;
    });
    await turns(5);
    controller.abort("enough");
    await expect(run).rejects.toBeInstanceOf(StreamCancelledError);
    writable.write(3, (error) => {
      sourceCancelled = isTsaktError(error, "StreamCancelled");
    });
    await turns(5);
    expect(seen).toEqual([1, 2]);
    expect(sourceCancelled).toBe(true);
  });
});

describe("options and errors", () => {
  it("rejects bad stage options with InvalidOptionError naming the field", () => {
    const s = Source.from([1]);
    const field = (f: () => unknown) => {
      try {
        f();
      } catch (error) {
        expect(error).toBeInstanceOf(InvalidOptionError);
        return (error as InvalidOptionError).field;
      }
      throw new Error("no error thrown");
    };
    expect(field(() => s.mapAsync(0, (x) => x))).toBe("parallelism");
    expect(field(() => s.batch(2, { withinMs: -1 }))).toBe("withinMs");
    expect(field(() => s.batch(1.5))).toBe("size");
    expect(field(() => s.throttle(1, 0))).toBe("perMs");
    expect(field(() => s.throttle(1, 10, { burst: 0 }))).toBe("burst");
    expect(field(() => s.throttle(1, 10, { clock: {} as never }))).toBe("clock");
    expect(field(() => s.take(0))).toBe("count");
    expect(field(() => s.map(1 as never))).toBe("fn");
    expect(field(() => Source.from(42 as never))).toBe("items");
    expect(field(() => Sink.toWritable({} as never))).toBe("writable");
    expect(field(() => Sink.toActor({} as never))).toBe("pid");
  });

  it("a failing source fails the run with its error", async () => {
    await expect(Source.failed(new Error("no data")).runWith(Sink.collect())).rejects.toThrow("no data");
    expect(await Source.empty<number>().runWith(Sink.collect())).toEqual([]);
  });
});
