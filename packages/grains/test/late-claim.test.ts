import { type GrainIdentity, grainOf, InMemoryGrainDirectory } from "@tsakt/grains";
import { describe, expect, it } from "vitest";
import { deferred, flush, rejection, startGrains } from "./helpers.js";

/** An in-memory directory whose first claim waits until `gate` opens (a registry slow to answer, as under a partition). */
class SlowFirstClaim extends InMemoryGrainDirectory {
  readonly gate = deferred();
  readonly calls: string[] = [];
  private first = true;

  override async claim(identity: GrainIdentity, node: string): Promise<string> {
    this.calls.push("claim");
    if (this.first) {
      this.first = false;
      await this.gate.promise;
    }
    return super.claim(identity, node);
  }

  override async release(identity: GrainIdentity, node: string): Promise<boolean> {
    this.calls.push("release");
    return super.release(identity, node);
  }
}

describe("a claim that answers after its activation attempt timed out", () => {
  it("does not release the identity when a newer activation on this node holds it by then", async () => {
    const directory = new SlowFirstClaim();
    let activations = 0;
    const system = await startGrains({
      directory,
      kinds: {
        account: {
          activationTimeoutMs: 50,
          factory: () => {
            const n = ++activations;
            return { onReceive: (ctx) => ctx.respond(`activation ${n}`) };
          },
        },
      },
    });
    const account = grainOf(system, "account", "7");
    // The first attempt's claim hangs: the caller gets the activation timeout and the attempt is dropped.
    await rejection(account.ask("hi", { timeoutMs: 5000 }), "GrainActivationTimeout");
    // The next call starts a new attempt, whose claim queues behind the first one.
    const second = account.ask("hi", { timeoutMs: 5000 });
    // The first claim lands now (this node owns the identity); the new attempt's claim finds it ours and activates.
    directory.gate.resolve();
    expect(await second).toBe("activation 1");
    // The manager heard the first claim's late answer before the second's (claims of one identity run in order), and
    // a release it started then would have run by the end of another round trip through it.
    expect(await account.ask("hi")).toBe("activation 1");
    await flush();
    // That late answer must not hand the identity back while activation 1 runs on it: another node would then claim
    // it and activate a second copy.
    expect(directory.calls).toEqual(["claim", "claim"]);
    expect(await directory.lookup({ kind: "account", id: "7" })).toBe(system.addressPrefix);
  });
});
