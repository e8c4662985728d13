import type { Grain, GrainIdentity } from "@tsakt/grains";
import { grainOf } from "@tsakt/grains";
import { describe, expect, it } from "vitest";
import { startGrains } from "./helpers.js";

describe("exactly one activation per identity", () => {
  it("activates each of 1,000 identities once when each is first called by five concurrent callers", async () => {
    const activations = new Map<string, number>();
    const system = await startGrains({
      kinds: {
        account: {
          factory: (identity: GrainIdentity): Grain => {
            let calls = 0;
            return {
              // Async, so the window in which a second activation could sneak in is as wide as possible.
              onActivate: async () => {
                await Promise.resolve();
                activations.set(identity.id, (activations.get(identity.id) ?? 0) + 1);
              },
              onReceive: (ctx) => ctx.respond(`${identity.id}:${++calls}`),
            };
          },
        },
      },
    });
    const ids = Array.from({ length: 1000 }, (_, i) => `user-${i}`);
    const calls: Promise<unknown>[] = [];
    for (let caller = 0; caller < 5; caller++) for (const id of ids) calls.push(grainOf(system, "account", id).ask("hi"));
    const replies = (await Promise.all(calls)) as string[];

    expect(activations.size).toBe(1000);
    expect([...activations.values()].every((n) => n === 1)).toBe(true);
    // Each grain answered its five callers from one instance: counts 1..5, each exactly once.
    for (const id of ids) {
      const mine = replies.filter((r) => r.startsWith(`${id}:`)).sort();
      expect(mine).toEqual([1, 2, 3, 4, 5].map((n) => `${id}:${n}`));
    }
  });

  it("activates one instance when tells and asks race the first activation from many handles", async () => {
    let instances = 0;
    const system = await startGrains({
      kinds: {
        counter: {
          factory: (): Grain => {
            instances++;
            let n = 0;
            return { onReceive: (ctx) => (ctx.message === "inc" ? void n++ : ctx.respond(n)) };
          },
        },
      },
    });
    for (let i = 0; i < 500; i++) grainOf(system, "counter", "shared").tell("inc");
    const answers = await Promise.all(Array.from({ length: 50 }, () => grainOf(system, "counter", "shared").ask<number>("get")));
    expect(instances).toBe(1);
    expect(answers.every((n) => n === 500)).toBe(true);
  });
});
