import { create } from "@bufbuild/protobuf";
import { file_google_protobuf_wrappers, type StringValue, StringValueSchema } from "@bufbuild/protobuf/wkt";
import { ActorSystem, silentLogger } from "@tsakt/actor";
import { connect } from "@tsakt/client";
import { clientGateway } from "@tsakt/client/gateway";
import { cluster } from "@tsakt/cluster";
import { StaticDiscoveryProvider } from "@tsakt/discovery-static";
import { clusterGrains } from "@tsakt/grains/cluster";
import { remoteOf, remoting } from "@tsakt/remote";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const secret = "members-secret-0123456789abcdef";
const clientSecret = "clients-secret-0123456789abcdef";
const types = [file_google_protobuf_wrappers];
let node: ActorSystem | undefined;
let seed = "";

beforeAll(async () => {
  node = await ActorSystem.start({
    name: "guarded",
    logger: silentLogger,
    plugins: [
      remoting({ types, auth: { secret, clientSecret } }),
      cluster({ discovery: new StaticDiscoveryProvider({ peers: [] }) }),
      clusterGrains({
        kinds: {
          hello: { factory: () => ({ onReceive: (ctx) => ctx.respond(create(StringValueSchema, { value: `hello ${ctx.identity.id}` })) }) },
        },
      }),
      clientGateway(),
    ],
  });
  seed = remoteOf(node).address.replace("tsakt://guarded@", "");
}, 30_000);

afterAll(async () => {
  await node?.stop();
});

describe("the cluster client with a shared secret", () => {
  it("calls a grain as a client with the cluster's client secret", async () => {
    await using client = await connect({ system: "guarded", seeds: [seed], types, clientSecret, logger: silentLogger });
    const reply = await client.grain("hello", "secret").ask<StringValue>(create(StringValueSchema, { value: "hi" }));
    expect(reply.value).toBe("hello secret");
  }, 30_000);

  it("gets nowhere with a wrong client secret, with the members' secret, or with none", async () => {
    for (const wrong of ["not-the-clients-secret-0123456", secret, undefined]) {
      await expect(
        connect({
          system: "guarded",
          seeds: [seed],
          types,
          ...(wrong === undefined ? {} : { clientSecret: wrong }),
          connectTimeoutMs: 1000,
          logger: silentLogger,
        }),
      ).rejects.toMatchObject({ code: "NoNodeAvailable" });
    }
  }, 30_000);

  it("refuses role and auth under remoting, naming the field", async () => {
    await expect(connect({ system: "guarded", seeds: [seed], remoting: { role: "member" } as never })).rejects.toThrow(/remoting\.role/);
    await expect(connect({ system: "guarded", seeds: [seed], remoting: { auth: { secret } } as never })).rejects.toThrow(/remoting\.auth/);
  });
});
