import { create } from "@bufbuild/protobuf";
import { AskTimeoutError, type Deadletter, DeadletterSchema } from "@tsakt/actor";
import { remoteOf } from "@tsakt/remote";
import { TestClock } from "@tsakt/testkit";
import { describe, expect, it } from "vitest";
import { startNode } from "./support/nodes.js";
import { eventually } from "./support/processes.js";
import { schema, testRegistry } from "./support/schemas.js";

const Greet = schema(testRegistry(), "testdata.Greet");

/** A gate a test opens by hand. */
function gate(): { opened: Promise<void>; open: () => void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

/** Correlation id in an ask's temporary address, ".../$ask/<id>". */
const idOf = (address: string | undefined) => Number(address?.slice(address.lastIndexOf("/") + 1));

describe("a remote reply that arrives after its ask ended", () => {
  it("goes to dead letters, never to a newer ask, even when it was already on its way", async () => {
    // The asker's deadlines run on a test clock; the answering node sees a deadline far off and does send its reply.
    const clock = new TestClock(0);
    const asker = await startNode({}, "asker", undefined, { clock });
    const answerer = await startNode({}, "answerer");
    const letters: Deadletter[] = [];
    asker.eventStream.subscribe(DeadletterSchema, (d) => letters.push(d));

    const gates = { first: gate(), second: gate() };
    // A failing run must not leave the answerer's actors inside their turns: the node's stop after the test waits for them.
    try {
      const askedBy: Record<string, string | undefined> = {};
      for (const name of ["first", "second"] as const)
        await answerer.spawnFunc(name, async (ctx) => {
          if (!ctx.is(Greet)) return;
          askedBy[name] = ctx.sender?.address;
          await gates[name].opened;
          ctx.respond(create(Greet, { who: `reply of ${name}` }));
        });
      const [first, second] = await Promise.all(
        ["first", "second"].map((name) => remoteOf(asker).lookup(`${remoteOf(answerer).address}/user/${name}`)),
      );

      const timedOut = first?.ask(create(Greet, { who: "a" }), { timeoutMs: 1000 }).catch((e: unknown) => e);
      await eventually(() => askedBy.first, 5000, "the first ask to reach its actor");
      await clock.advance(1000);
      expect(await timedOut).toBeInstanceOf(AskTimeoutError);

      const answered = second?.ask(create(Greet, { who: "b" }), { timeoutMs: 1000 });
      let settled = false;
      void answered?.then(
        () => (settled = true),
        () => (settled = true),
      );
      await eventually(() => askedBy.second, 5000, "the second ask to reach its actor");
      const ids = [idOf(askedBy.first), idOf(askedBy.second)];
      expect(ids.every((id) => Number.isInteger(id) && id > 0)).toBe(true);
      expect(ids[1]).not.toBe(ids[0]);

      // The late reply of the first ask now travels back while the second ask waits.
      gates.first.open();
      const late = await eventually(
        () => letters.find((d) => d.reason === "reply after the ask ended"),
        5000,
        "the late reply in the asker's dead letters",
      );
      expect(late.receiver).toBe(`${remoteOf(asker).address}/$ask/${ids[0]}`);
      expect(settled).toBe(false);
      gates.second.open();
      expect(await answered).toMatchObject({ who: "reply of second" });
      expect(remoteOf(asker).stats().pendingAsks).toBe(0);
    } finally {
      gates.first.open();
      gates.second.open();
    }
  });
});
