import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { binaryAvailable, findBinary, MissingBinaryError, requireBinary, skipWithoutBinary } from "../src/index.js";

// A private PATH holding one executable, so these checks do not depend on what this machine has installed.
const binDir = mkdtempSync(join(tmpdir(), "tsakt-bin-"));
const present = "tsakt-present-binary";
const presentPath = join(binDir, present);
writeFileSync(presentPath, "#!/bin/sh\nexit 0\n");
chmodSync(presentPath, 0o755);
writeFileSync(join(binDir, "tsakt-not-executable"), "");
const absent = "tsakt-absent-binary";
const path = { PATH: `/nonexistent:${binDir}` };

describe("the missing-binary rule", () => {
  afterAll(() => rmSync(binDir, { recursive: true, force: true }));

  it("finds an executable on PATH, and not a file lacking the execute bit", () => {
    expect(findBinary(present, path)).toBe(presentPath);
    expect(binaryAvailable(present, path)).toBe(true);
    expect(binaryAvailable("tsakt-not-executable", path)).toBe(false);
  });

  it.skipIf(!existsSync("/usr/lib/postgresql"))(
    "finds Debian's postgres and initdb in /usr/lib/postgresql/<major>/bin without PATH",
    () => {
      const newest = readdirSync("/usr/lib/postgresql")
        .filter((v) => /^\d+$/.test(v) && existsSync(`/usr/lib/postgresql/${v}/bin/postgres`))
        .sort((a, b) => Number(b) - Number(a))[0];
      expect(findBinary("postgres", path)).toBe(`/usr/lib/postgresql/${newest}/bin/postgres`);
      expect(findBinary("initdb", path)).toBe(`/usr/lib/postgresql/${newest}/bin/initdb`);
    },
  );

  it("lets a test file skip when the binary is absent and CI is not true", () => {
    expect(skipWithoutBinary(absent, path)).toBe(true);
    expect(skipWithoutBinary(absent, { ...path, CI: "false" })).toBe(true);
  });

  it("fails instead of skipping when the binary is absent under CI=true", () => {
    expect(() => skipWithoutBinary(absent, { ...path, CI: "true" })).toThrow(MissingBinaryError);
  });

  it("never skips when the binary is present", () => {
    expect(skipWithoutBinary(present, { ...path, CI: "true" })).toBe(false);
    expect(skipWithoutBinary(present, path)).toBe(false);
  });

  it("takes the path from the override variable, and names the apt package when the binary is missing", () => {
    expect(findBinary("nats-server", { PATH: "/nonexistent", NATS_SERVER_BIN: presentPath })).toBe(presentPath);
    expect(() => requireBinary("etcd", { PATH: "/nonexistent" })).toThrow(/apt-get install -y etcd-server/);
    expect(findBinary("dnsmasq", { PATH: "/nonexistent", DNSMASQ_BIN: presentPath })).toBe(presentPath);
    expect(() => requireBinary("dnsmasq", { PATH: "/nonexistent" })).toThrow(/apt-get install -y dnsmasq-base/);
    expect(findBinary("kubectl", { PATH: "/nonexistent", KUBECTL_BIN: presentPath })).toBe(presentPath);
    expect(() => requireBinary("kubectl", { PATH: "/nonexistent" })).toThrow(/apt-get install -y kubernetes-client/);
  });
});
