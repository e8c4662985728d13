import { connect as tlsConnect } from "node:tls";
import { create } from "@bufbuild/protobuf";
import { RemoteUnreachableError, remoteOf } from "@tsakt/remote";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hasOpenssl, makePki, type TestPki } from "./support/certs.js";
import { closedWithin, handshakeFrame, rawSocket } from "./support/frames.js";
import { startNode } from "./support/nodes.js";
import { type ChildNode, eventually, startChild } from "./support/processes.js";
import { schema, testImageFile, testRegistry } from "./support/schemas.js";

const Greet = schema(testRegistry(), "testdata.Greet");
// The openssl CLI makes the certificates; without it these tests cannot run (and under CI that is a failure).
const skip = !hasOpenssl() && process.env.CI !== "true";

describe.skipIf(skip)("TLS and mutual TLS between processes", () => {
  let pki: TestPki;
  let server: ChildNode;
  const portOf = (child: ChildNode) => Number(child.address.slice(child.address.lastIndexOf(":") + 1));

  beforeAll(async () => {
    pki = makePki();
    server = await startChild("node.mjs", {
      name: "secure",
      image: testImageFile(),
      tls: { cert: pki.node.cert, key: pki.node.key, ca: pki.ca.cert, mutual: true },
    });
  });

  afterAll(() => pki?.cleanup());

  it("answers asks over mutual TLS when both sides present certificates from the trusted CA", async () => {
    const system = await startNode({ tls: { cert: pki.node.certPem, key: pki.node.keyPem, ca: pki.ca.certPem } });
    const echo = await system.actorOf(`${server.address}/user/echo`);
    const replies = await Promise.all(Array.from({ length: 100 }, (_, i) => echo.ask(create(Greet, { who: `tls${i}`, n: i }))));
    replies.forEach((r, i) => expect(r).toMatchObject({ who: `hello tls${i}`, n: i + 1 }));
    expect(remoteOf(system).stats().connections).toBe(1);
  });

  it("refuses a client whose certificate comes from an untrusted CA, and one with no certificate", async () => {
    const system = await startNode({
      tls: { cert: pki.rogueNode.certPem, key: pki.rogueNode.keyPem, ca: pki.ca.certPem },
      connectTimeoutMs: 3000,
    });
    const error = await system.actorOf(`${server.address}/user/echo`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteUnreachableError);
    expect((error as Error).message).toContain("during the handshake");
    const bare = tlsConnect({ host: "127.0.0.1", port: portOf(server), ca: pki.ca.certPem });
    bare.on("error", () => {});
    bare.on("secureConnect", () => bare.write(handshakeFrame({ port: 3 })));
    expect(await closedWithin(bare, 5000)).toBe(true);
    await eventually(
      () =>
        server
          .stderr()
          .split("\n")
          .filter((l) => l.includes("TLS client refused")).length >= 2,
      5000,
      "two refusals in the server log",
    );
  });

  it("refuses a plaintext client", async () => {
    const system = await startNode({ connectTimeoutMs: 3000 });
    const error = await system.actorOf(`${server.address}/user/echo`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteUnreachableError);
    const raw = await rawSocket(portOf(server));
    raw.write(handshakeFrame({ port: 4 }));
    expect(await closedWithin(raw, 5000)).toBe(true);
  });

  it("does not dial a server whose certificate it cannot verify", async () => {
    const system = await startNode({
      tls: { cert: pki.node.certPem, key: pki.node.keyPem, ca: pki.rogueCa.certPem },
      connectTimeoutMs: 3000,
    });
    const error = await system.actorOf(`${server.address}/user/echo`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteUnreachableError);
    expect(String((error as Error).message)).toMatch(/certificate/i);
  });

  it("compresses inside TLS when both sides ask for it", async () => {
    const zipped = await startChild("node.mjs", {
      name: "secure-zip",
      image: testImageFile(),
      compression: ["gzip"],
      tls: { cert: pki.node.cert, key: pki.node.key, ca: pki.ca.cert, mutual: true },
    });
    const system = await startNode({ compression: "gzip", tls: { cert: pki.node.certPem, key: pki.node.keyPem, ca: pki.ca.certPem } });
    const echo = await system.actorOf(`${zipped.address}/user/echo`);
    const before = remoteOf(system).stats().bytesSent;
    const big = "abc ".repeat(100_000);
    expect(await echo.ask(create(Greet, { who: big }), { timeoutMs: 10_000 })).toMatchObject({ who: `hello ${big}` });
    expect(remoteOf(system).stats().bytesSent - before).toBeLessThan(40_000);
  });

  it("keeps serving trusted clients after refusing the others", async () => {
    const system = await startNode({ tls: { cert: pki.node.certPem, key: pki.node.keyPem, ca: pki.ca.certPem } });
    const echo = await system.actorOf(`${server.address}/user/echo`);
    expect(await echo.ask(create(Greet, { who: "still" }))).toMatchObject({ who: "hello still" });
  });
});
