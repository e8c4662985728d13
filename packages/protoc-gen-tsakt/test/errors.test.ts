import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isTsaktError } from "@tsakt/actor";
import { AmbiguousRequestError, ContractOptionError, protocGenTsakt, StreamingRpcError } from "@tsakt/protoc-gen-tsakt";
import { describe, expect, it } from "vitest";
import { buf, requestFor, root } from "./request.js";

const invalid = "packages/protoc-gen-tsakt/test/proto-invalid";

/** Runs the plugin on one file of the invalid fixtures; returns what it threw. */
function failure(file: string): Error {
  try {
    protocGenTsakt.run(requestFor(invalid, [`invalid/v1/${file}`]));
  } catch (error) {
    return error as Error;
  }
  throw new Error(`protoc-gen-tsakt accepted ${file}`);
}

describe("protoc-gen-tsakt rejects what it cannot generate", () => {
  it.each([
    ["server_streaming.proto", "invalid.v1.Clock.Watch", "server_streaming", "is server-streaming"],
    ["client_streaming.proto", "invalid.v1.Meter.Upload", "client_streaming", "is client-streaming"],
    ["bidi_streaming.proto", "invalid.v1.Chat.Talk", "bidi_streaming", "is bidi-streaming"],
  ])("rejects the streaming rpc in %s with a message naming it and what to do", (file, rpc, methodKind, phrase) => {
    const error = failure(file);
    expect(error).toBeInstanceOf(StreamingRpcError);
    expect(isTsaktError(error, "StreamingRpc")).toBe(true);
    expect(error).toMatchObject({ rpc, methodKind, file: `invalid/v1/${file}` });
    expect(error.message).toContain(`rpc ${rpc} (invalid/v1/${file}) ${phrase}`);
    expect(error.message).toContain("make it unary");
  });

  it("rejects two rpcs of a service taking the same request type, since dispatch is by type", () => {
    const error = failure("ambiguous.proto");
    expect(error).toBeInstanceOf(AmbiguousRequestError);
    expect(error).toMatchObject({
      code: "AmbiguousRequest",
      service: "invalid.v1.Counter",
      requestType: "google.protobuf.Empty",
      rpcs: ["Get", "Reset"],
    });
    expect(error.message).toContain("give each rpc its own request message");
  });

  it("rejects tell: true on an rpc with a reply, and a kind grains would refuse", () => {
    const tell = failure("tell_with_reply.proto");
    expect(tell).toBeInstanceOf(ContractOptionError);
    expect(tell.message).toBe(
      "invalid option (tsakt.options.v1.method).tell on invalid.v1.Pinger.Ping: the rpc returns invalid.v1.Pong, but a tell has no reply: return google.protobuf.Empty, or drop tell: true to ask",
    );
    const kind = failure("bad_kind.proto");
    expect(kind).toBeInstanceOf(ContractOptionError);
    expect(kind.message).toContain('invalid option (tsakt.options.v1.service).kind on invalid.v1.Greeter: "greeter/v1" is no grain kind');
  });

  it("fails the whole run, writing nothing, when one of several files is invalid", () => {
    let thrown: unknown;
    try {
      protocGenTsakt.run(requestFor(invalid));
    } catch (error) {
      thrown = error;
    }
    expect(isTsaktError(thrown)).toBe(true);
  });

  it("makes buf generate fail with the message and write no file (through bin/protoc-gen-tsakt.js, built dist)", () => {
    const out = mkdtempSync(join(tmpdir(), "protoc-gen-tsakt-out-"));
    try {
      const template = JSON.stringify({
        version: "v2",
        plugins: [{ local: [process.execPath, join(root, "packages/protoc-gen-tsakt/bin/protoc-gen-tsakt.js")], out }],
      });
      const run = spawnSync(buf, ["generate", invalid, "--path", `${invalid}/invalid/v1/server_streaming.proto`, "--template", template], {
        cwd: root,
        encoding: "utf8",
      });
      expect(run.status).not.toBe(0);
      expect(run.stderr).toContain("protoc-gen-tsakt: rpc invalid.v1.Clock.Watch (invalid/v1/server_streaming.proto) is server-streaming");
      expect(readdirSync(out)).toEqual([]);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
