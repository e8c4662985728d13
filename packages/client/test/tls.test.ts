import { create } from "@bufbuild/protobuf";
import { file_google_protobuf_wrappers, type StringValue, StringValueSchema } from "@bufbuild/protobuf/wkt";
import { ActorSystem, silentLogger } from "@tsakt/actor";
import { connect } from "@tsakt/client";
import { clientGateway } from "@tsakt/client/gateway";
import { cluster } from "@tsakt/cluster";
import { StaticDiscoveryProvider } from "@tsakt/discovery-static";
import { clusterGrains } from "@tsakt/grains/cluster";
import { remoteOf, remoting, type TlsOptions } from "@tsakt/remote";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hasOpenssl, makePki, memberName, type TestPki } from "../../remote/test/support/certs.js";
import { freePort } from "../../remote/test/support/ports.js";

if (!hasOpenssl() && process.env.CI === "true") throw new Error("openssl is missing: .ci/run installs it");

const silent = silentLogger;
let pki: TestPki | undefined;
let node: ActorSystem | undefined;

beforeAll(async () => {
  if (!hasOpenssl()) return;
  pki = makePki();
  const port = await freePort();
  const cert = pki.issue("secure", [memberName("secure", port)]);
  node = await ActorSystem.start({
    name: "secure",
    logger: silent,
    plugins: [
      remoting({
        port,
        types: [file_google_protobuf_wrappers],
        tls: { cert: cert.certPem, key: cert.keyPem, ca: pki.ca.certPem, mutual: true },
      }),
      cluster({ discovery: new StaticDiscoveryProvider({ peers: [] }) }),
      clusterGrains({
        kinds: {
          hello: { factory: () => ({ onReceive: (ctx) => ctx.respond(create(StringValueSchema, { value: `hello ${ctx.identity.id}` })) }) },
        },
      }),
      clientGateway(),
    ],
  });
}, 30_000);

afterAll(async () => {
  await node?.stop();
  pki?.cleanup();
});

describe.skipIf(!hasOpenssl())("the cluster client over TLS", () => {
  it("calls a grain over mutual TLS with a client certificate, and a client without a certificate naming a client gets nowhere", async () => {
    const p = pki as TestPki;
    const seed = remoteOf(node as ActorSystem).address.replace("tsakt://secure@", "");
    const clientCert = p.issue("client", ["URI:tsakt-client://tsakt-client@127.0.0.1"]);
    const tls = { cert: clientCert.certPem, key: clientCert.keyPem, ca: p.ca.certPem };
    await using client = await connect({ system: "secure", seeds: [seed], types: [file_google_protobuf_wrappers], tls, logger: silent });
    const reply = await client.grain("hello", "tls").ask<StringValue>(create(StringValueSchema, { value: "hi" }));
    expect(reply.value).toBe("hello tls");

    // A client certificate from another CA, one from the right CA naming no client identity (only IP and DNS names),
    // and no certificate at all: each is refused, and connect() finds no member.
    const refused = (tls: TlsOptions | undefined) =>
      expect(
        connect({
          system: "secure",
          seeds: [seed],
          types: [file_google_protobuf_wrappers],
          ...(tls === undefined ? {} : { tls }),
          connectTimeoutMs: 1500,
          logger: silent,
        }),
      ).rejects.toMatchObject({ code: "NoNodeAvailable" });
    await refused({ cert: p.rogueNode.certPem, key: p.rogueNode.keyPem, ca: p.ca.certPem });
    await refused({ cert: p.node.certPem, key: p.node.keyPem, ca: p.ca.certPem });
    await refused(undefined);
  }, 30_000);
});
