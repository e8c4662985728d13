import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Paths and contents of one certificate and its key. */
export interface CertFiles {
  cert: string;
  key: string;
  certPem: Buffer;
  keyPem: Buffer;
}

/**
 * Test PKI made with the openssl CLI: a CA and a rogue CA, `node` and `rogueNode` certificates they signed that name
 * only IP 127.0.0.1 and DNS localhost (no tsakt identity), and `issue` for certificates naming node identities.
 */
export interface TestPki {
  dir: string;
  ca: CertFiles;
  node: CertFiles;
  rogueCa: CertFiles;
  rogueNode: CertFiles;
  /** A certificate signed by the CA (or the rogue CA) with these subjectAltNames, for example ["URI:tsakt://sys@127.0.0.1:7001"]. */
  issue(name: string, altNames: readonly string[], by?: "ca" | "rogue-ca"): CertFiles;
  cleanup(): void;
}

/** The subjectAltName naming member `system` at 127.0.0.1:`port`. */
export function memberName(system: string, port: number): string {
  return `URI:tsakt://${system}@127.0.0.1:${port}`;
}

const openssl = "/usr/bin/openssl";

/** True when the openssl CLI is installed (TLS tests need it; under CI it must be). */
export function hasOpenssl(): boolean {
  return existsSync(openssl);
}

function run(args: string[], cwd: string): void {
  execFileSync(openssl, args, { cwd, stdio: "pipe" });
}

function files(dir: string, name: string): CertFiles {
  const cert = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  return { cert, key, certPem: readFileSync(cert), keyPem: readFileSync(key) };
}

function makeCa(dir: string, name: string): void {
  run(
    [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-keyout",
      `${name}.key`,
      "-out",
      `${name}.crt`,
      "-days",
      "1",
      "-subj",
      `/CN=${name}`,
    ],
    dir,
  );
}

function makeLeaf(dir: string, name: string, ca: string, altNames: readonly string[] = ["IP:127.0.0.1", "DNS:localhost"]): void {
  run(
    [
      "req",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-keyout",
      `${name}.key`,
      "-out",
      `${name}.csr`,
      "-subj",
      `/CN=${name}`,
    ],
    dir,
  );
  writeFileSync(join(dir, `${name}.ext`), `subjectAltName=${altNames.join(",")}\nextendedKeyUsage=serverAuth,clientAuth\n`);
  run(
    [
      "x509",
      "-req",
      "-in",
      `${name}.csr`,
      "-CA",
      `${ca}.crt`,
      "-CAkey",
      `${ca}.key`,
      "-CAcreateserial",
      "-out",
      `${name}.crt`,
      "-days",
      "1",
      "-extfile",
      `${name}.ext`,
    ],
    dir,
  );
}

/** Creates the test PKI in a fresh temp dir; call cleanup() to remove it. */
export function makePki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), "tsakt-remote-pki-"));
  makeCa(dir, "ca");
  makeLeaf(dir, "node", "ca");
  makeCa(dir, "rogue-ca");
  makeLeaf(dir, "rogue-node", "rogue-ca");
  return {
    dir,
    ca: files(dir, "ca"),
    node: files(dir, "node"),
    rogueCa: files(dir, "rogue-ca"),
    rogueNode: files(dir, "rogue-node"),
    issue(name, altNames, by = "ca") {
      makeLeaf(dir, name, by, altNames);
      return files(dir, name);
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
