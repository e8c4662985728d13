import { create } from "@bufbuild/protobuf";
import type { ActorSystem, PID } from "@tsakt/actor";
import { type RemotingOptions, remoteOf } from "@tsakt/remote";
import { Role } from "@tsakt/remote/internal";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hasOpenssl, makePki, memberName, type TestPki } from "./support/certs.js";
import { startNode } from "./support/nodes.js";
import { freePort } from "./support/ports.js";
import { type ChildNode, eventually, loggedLine, startChild } from "./support/processes.js";
import { type RawSession, rawDial } from "./support/raw-handshake.js";
import { schema, testImageFile, testRegistry } from "./support/schemas.js";

// The attack of issue 13: a process reads the victim node's id off the victim's own listener, then handshakes with
// the server claiming the victim's address, to take over the victim's connection and receive its replies.

const Greet = schema(testRegistry(), "testdata.Greet");
const secret = "members-secret-0123456789abcdef";
const clientSecret = "clients-secret-0123456789abcdef";
const skipTls = !hasOpenssl() && process.env.CI !== "true";

interface Outcome {
  /** The forger's look at the victim's listener. */
  probe: RawSession;
  /** The forger's handshake with the server, claiming the victim's address. */
  forged: RawSession;
  /** How many of the victim's 150 asks were answered. */
  answered: number;
  /** Bytes the forger received on its connection to the server after its handshake. */
  stolenBytes: number;
}

/** Runs the attack: 50 asks, the forgery, 100 more asks; the forger uses `forger` credentials. */
async function attack(
  server: ChildNode,
  victim: ActorSystem,
  forger: { secret?: string; pretendSecret?: boolean; role?: Role; tls?: { cert: Buffer; key: Buffer; ca: Buffer }; ownPort: number },
): Promise<Outcome> {
  const serverPort = Number(server.address.slice(server.address.lastIndexOf(":") + 1));
  const victimPort = Number(remoteOf(victim).address.slice(remoteOf(victim).address.lastIndexOf(":") + 1));
  const echo: PID = await victim.actorOf(`${server.address}/user/echo`);
  const ask = (i: number) =>
    echo.ask(create(Greet, { who: `v${i}`, n: i }), { timeoutMs: 1500 }).then(
      () => 1,
      () => 0,
    );
  let answered = 0;
  for (const n of await Promise.all(Array.from({ length: 50 }, (_, i) => ask(i)))) answered += n;
  // 1. Read the victim's node id off its listener, as whatever the forger can be.
  const probe = await rawDial({
    port: victimPort,
    system: "forger",
    claimedPort: forger.ownPort,
    nodeId: "forger",
    role: forger.role ?? Role.MEMBER,
    ...(forger.secret === undefined ? {} : { secret: forger.secret }),
    ...(forger.pretendSecret === true ? { pretendSecret: true } : {}),
    ...(forger.tls === undefined ? {} : { tls: forger.tls }),
  });
  // 2. Handshake with the server claiming the victim's address and node id.
  const forged = await rawDial({
    port: serverPort,
    system: "victim",
    claimedPort: victimPort,
    nodeId: probe.acceptor?.nodeId ?? "unknown",
    role: forger.role ?? Role.MEMBER,
    ...(forger.secret === undefined ? {} : { secret: forger.secret }),
    ...(forger.pretendSecret === true ? { pretendSecret: true } : {}),
    ...(forger.tls === undefined ? {} : { tls: forger.tls }),
  });
  for (const n of await Promise.all(Array.from({ length: 100 }, (_, i) => ask(50 + i)))) answered += n;
  const stolenBytes = forged.received();
  probe.socket.destroy();
  forged.socket.destroy();
  return { probe, forged, answered, stolenBytes };
}

async function victimNode(options: RemotingOptions): Promise<ActorSystem> {
  return startNode({ port: await freePort(), ...options }, "victim");
}

describe("the hijack of issue 13", () => {
  it("plaintext without auth does not prevent it: the forger takes the victim's connection and its replies", async () => {
    const server = await startChild("node.mjs", { name: "server", image: testImageFile() });
    const victim = await victimNode({});
    const o = await attack(server, victim, { ownPort: 1 });
    // What plaintext trusts: the address and node id a node states. The forger read the id and was believed.
    expect(o.probe.acceptor?.nodeId).toMatch(/^[0-9a-f]{16}$/);
    expect(o.forged.acceptor).toBeDefined();
    expect(o.stolenBytes).toBeGreaterThan(0);
    expect(o.answered).toBeLessThan(150);
  });

  it("with a shared secret the forger learns nothing from the victim and is refused by the server; no ask is lost", async () => {
    const server = await startChild("node.mjs", { name: "server", image: testImageFile(), auth: { secret } });
    const victim = await victimNode({ auth: { secret } });
    const o = await attack(server, victim, { pretendSecret: true, ownPort: 1 });
    expect(o.probe.acceptor).toBeUndefined();
    expect(o.probe.refused).toMatchObject({ code: "AuthenticationFailed" });
    expect(o.forged.acceptor).toBeUndefined();
    expect(o.forged.refused).toMatchObject({ code: "AuthenticationFailed" });
    expect(o.answered).toBe(150);
    expect(o.stolenBytes).toBe(0);
    await eventually(() => server.stderr().includes('"code":"AuthenticationFailed"'), 5000, "the refusal in the server's log");
  });

  it("a forger without the secret that offers no authentication is refused as well", async () => {
    const server = await startChild("node.mjs", { name: "server", image: testImageFile(), auth: { secret } });
    const victim = await victimNode({ auth: { secret } });
    const o = await attack(server, victim, { ownPort: 1 });
    expect(o.forged.refused).toMatchObject({ code: "AuthenticationFailed" });
    expect(o.answered).toBe(150);
  });

  it("a client holding the client secret cannot take a member's connection: it gets its own, and none of the victim's replies", async () => {
    const server = await startChild("node.mjs", { name: "server", image: testImageFile(), auth: { secret, clientSecret } });
    const victim = await victimNode({ auth: { secret } });
    const o = await attack(server, victim, { secret: clientSecret, role: Role.CLIENT, ownPort: 1 });
    // The victim is a member without a client secret: it refuses clients outright.
    expect(o.probe.refused).toMatchObject({ code: "AuthenticationFailed" });
    expect(o.forged.acceptor).toBeDefined();
    expect(o.answered).toBe(150);
    expect(o.stolenBytes).toBe(0);
  });

  describe.skipIf(skipTls)("with mutual TLS", () => {
    let pki: TestPki;
    beforeAll(() => {
      pki = makePki();
    });
    afterAll(() => pki?.cleanup());

    it("a certificate from the trusted CA naming the forger itself does not let it pose as the victim", async () => {
      const serverPort = await freePort();
      const victimPort = await freePort();
      const forgerPort = await freePort();
      const serverCert = pki.issue("server", [memberName("server", serverPort)]);
      const victimCert = pki.issue("victim", [memberName("victim", victimPort)]);
      const forgerCert = pki.issue("forger", [memberName("forger", forgerPort)]);
      const server = await startChild("node.mjs", {
        name: "server",
        port: serverPort,
        image: testImageFile(),
        tls: { cert: serverCert.cert, key: serverCert.key, ca: pki.ca.cert, mutual: true },
      });
      const victim = await startNode(
        { port: victimPort, tls: { cert: victimCert.certPem, key: victimCert.keyPem, ca: pki.ca.certPem, mutual: true } },
        "victim",
      );
      const o = await attack(server, victim, {
        ownPort: forgerPort,
        tls: { cert: forgerCert.certPem, key: forgerCert.keyPem, ca: pki.ca.certPem },
      });
      // TLS does not hide the victim's id from a holder of a trusted certificate; the certificate check is what stops it.
      expect(o.probe.acceptor).toBeDefined();
      expect(o.forged.acceptor).toBeUndefined();
      expect(o.forged.refused).toMatchObject({ code: "IdentityMismatch" });
      expect(o.answered).toBe(150);
      expect(o.stolenBytes).toBe(0);
      const line = await loggedLine(server, '"code":"IdentityMismatch"', "the logged refusal");
      expect(JSON.parse(line)).toMatchObject({ level: "warn", err: { name: "IdentityMismatchError", code: "IdentityMismatch" } });
    });
  });
});
