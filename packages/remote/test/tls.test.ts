import { connect as tlsConnect } from "node:tls";
import { create } from "@bufbuild/protobuf";
import { type ActorSystem, isTsaktError } from "@tsakt/actor";
import { IdentityMismatchError, RemoteUnreachableError, type RemotingOptions, remoteOf } from "@tsakt/remote";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CertFiles, hasOpenssl, makePki, memberName, type TestPki } from "./support/certs.js";
import { closedWithin, handshakeFrame, rawSocket } from "./support/frames.js";
import { startNode } from "./support/nodes.js";
import { freePort } from "./support/ports.js";
import { type ChildNode, eventually, loggedLine, startChild } from "./support/processes.js";
import { schema, testImageFile, testRegistry } from "./support/schemas.js";

const Greet = schema(testRegistry(), "testdata.Greet");
// The openssl CLI makes the certificates; without it these tests cannot run (and under CI that is a failure).
const skip = !hasOpenssl() && process.env.CI !== "true";

describe.skipIf(skip)("TLS and mutual TLS between processes", () => {
  let pki: TestPki;
  let server: ChildNode;
  let serverPort: number;
  const portOf = (child: ChildNode) => Number(child.address.slice(child.address.lastIndexOf(":") + 1));

  /** A node in this process whose certificate (from `cert`, else one naming it) names `local@127.0.0.1:<port>`. */
  async function localNode(
    o: { cert?: (port: number) => CertFiles; ca?: Buffer; options?: RemotingOptions; name?: string } = {},
  ): Promise<ActorSystem> {
    const port = await freePort();
    const name = o.name ?? "local";
    const cert = o.cert?.(port) ?? pki.issue(`${name}-${port}`, [memberName(name, port)]);
    return startNode(
      { port, connectTimeoutMs: 3000, tls: { cert: cert.certPem, key: cert.keyPem, ca: o.ca ?? pki.ca.certPem }, ...o.options },
      name,
    );
  }

  beforeAll(async () => {
    pki = makePki();
    serverPort = await freePort();
    const cert = pki.issue("secure", [memberName("secure", serverPort)]);
    server = await startChild("node.mjs", {
      name: "secure",
      port: serverPort,
      image: testImageFile(),
      tls: { cert: cert.cert, key: cert.key, ca: pki.ca.cert, mutual: true },
    });
  });

  afterAll(() => pki?.cleanup());

  it("answers asks over mutual TLS when each certificate names its node (URI tsakt://system@host:port)", async () => {
    const system = await localNode();
    const echo = await system.actorOf(`${server.address}/user/echo`);
    const replies = await Promise.all(Array.from({ length: 100 }, (_, i) => echo.ask(create(Greet, { who: `tls${i}`, n: i }))));
    replies.forEach((r, i) => expect(r).toMatchObject({ who: `hello tls${i}`, n: i + 1 }));
    expect(remoteOf(system).stats().connections).toBe(1);
  });

  it("refuses a node whose certificate from the trusted CA names another node, with a logged IdentityMismatch", async () => {
    const system = await localNode({ cert: () => pki.issue("other-node", [memberName("local", 9)]) });
    const error = await system.actorOf(`${server.address}/user/echo`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteUnreachableError);
    expect(isTsaktError((error as Error).cause, "IdentityMismatch")).toBe(true);
    expect(String((error as Error).message)).toContain("certificate names tsakt://local@127.0.0.1:9");
    const line = await loggedLine(server, '"code":"IdentityMismatch"', "the server's logged refusal");
    expect(JSON.parse(line)).toMatchObject({ level: "warn", err: { code: "IdentityMismatch" } });
  });

  it("refuses a certificate that names hosts only (IP and DNS names), saying which URI name to add", async () => {
    const system = await localNode({ cert: () => pki.node });
    const error = await system.actorOf(`${server.address}/user/echo`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteUnreachableError);
    expect(String((error as Error).message)).toMatch(/names no tsakt identity.*tsakt:\/\/local@127\.0\.0\.1:\d+/);
  });

  it("does not accept a server whose certificate names another node than the one dialed", async () => {
    const port = await freePort();
    const wrong = pki.issue("impostor", [memberName("secure", port + 1)]);
    const impostor = await startChild("node.mjs", {
      name: "secure",
      port,
      image: testImageFile(),
      tls: { cert: wrong.cert, key: wrong.key, ca: pki.ca.cert, mutual: true },
    });
    const system = await localNode();
    const error = await system.actorOf(`${impostor.address}/user/echo`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteUnreachableError);
    expect((error as Error).cause).toBeInstanceOf(IdentityMismatchError);
  });

  it("lets a client certificate (tsakt-client://system@host, any port) call user actors as a client, and not as a member", async () => {
    const client = await localNode({
      name: "app",
      cert: () => pki.issue("client-app", ["URI:tsakt-client://app@127.0.0.1"]),
      options: { role: "client" },
    });
    const echo = await client.actorOf(`${server.address}/user/echo`);
    expect(await echo.ask(create(Greet, { who: "client" }))).toMatchObject({ who: "hello client" });
    const posing = await localNode({ name: "app", cert: () => pki.issue("client-app-2", ["URI:tsakt-client://app@127.0.0.1"]) });
    const error = await posing.actorOf(`${server.address}/user/echo`).catch((e: unknown) => e);
    expect(isTsaktError((error as Error).cause, "IdentityMismatch")).toBe(true);
  });

  it("refuses a client whose certificate comes from an untrusted CA, and one with no certificate", async () => {
    const system = await localNode({ cert: (port) => pki.issue(`rogue-${port}`, [memberName("local", port)], "rogue-ca") });
    const error = await system.actorOf(`${server.address}/user/echo`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteUnreachableError);
    expect((error as Error).message).toContain("during the handshake");
    const bare = tlsConnect({ host: "127.0.0.1", port: serverPort, ca: pki.ca.certPem, checkServerIdentity: () => undefined });
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
    const system = await localNode({ ca: pki.rogueCa.certPem });
    const error = await system.actorOf(`${server.address}/user/echo`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteUnreachableError);
    expect(String((error as Error).message)).toMatch(/certificate/i);
  });

  it("compresses inside TLS when both sides ask for it", async () => {
    const port = await freePort();
    const cert = pki.issue("secure-zip", [memberName("secure-zip", port)]);
    const zipped = await startChild("node.mjs", {
      name: "secure-zip",
      port,
      image: testImageFile(),
      compression: ["gzip"],
      tls: { cert: cert.cert, key: cert.key, ca: pki.ca.cert, mutual: true },
    });
    const system = await localNode({ options: { compression: "gzip" } });
    const echo = await system.actorOf(`${zipped.address}/user/echo`);
    const before = remoteOf(system).stats().bytesSent;
    const big = "abc ".repeat(100_000);
    expect(await echo.ask(create(Greet, { who: big }), { timeoutMs: 10_000 })).toMatchObject({ who: `hello ${big}` });
    expect(remoteOf(system).stats().bytesSent - before).toBeLessThan(40_000);
  });

  it("keeps serving trusted clients after refusing the others", async () => {
    const system = await localNode();
    const echo = await system.actorOf(`${server.address}/user/echo`);
    expect(await echo.ask(create(Greet, { who: "still" }))).toMatchObject({ who: "hello still" });
  });
});
