import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { requireBinary } from "@tsakt/test-servers";

const run = promisify(execFile);

/** A certificate and its private key, both PEM. */
export interface PemPair {
  cert: string;
  key: string;
}

/** What a leaf certificate is for and whom it names. */
export interface LeafRequest {
  /** Subject CN; for a Kubernetes client certificate this is the user name. */
  commonName: string;
  /** Subject O entries; for a Kubernetes client certificate these are the groups. Default: none. */
  organizations?: readonly string[];
  /** "server" (serverAuth, with the SANs below) or "client" (clientAuth). */
  usage: "server" | "client";
  /** IP SANs of a server certificate. Default: ["127.0.0.1"]. */
  ipAddresses?: readonly string[];
  /** DNS SANs of a server certificate. Default: ["localhost"]. */
  dnsNames?: readonly string[];
}

/** A throwaway certificate authority made at test time with the openssl CLI (EC P-256, valid one day). */
export interface TestCertificateAuthority {
  /** The CA certificate, PEM: what clients trust and what client certificates are checked against. */
  readonly cert: string;
  /** Issues a certificate signed by this CA. */
  issue(request: LeafRequest): Promise<PemPair>;
}

/** Characters that would break openssl's "/O=…/CN=…" subject syntax. */
const unsafeSubject = /[/\\=+,\n\r]/;

function subject(request: Pick<LeafRequest, "commonName" | "organizations">): string {
  const parts = [...(request.organizations ?? []).map((o) => `/O=${o}`), `/CN=${request.commonName}`];
  for (const value of [request.commonName, ...(request.organizations ?? [])]) {
    if (value === "" || unsafeSubject.test(value))
      throw new Error(`certificate subject value ${JSON.stringify(value)} is empty or holds / \\ = + ,`);
  }
  return parts.join("");
}

async function withTempDir<T>(work: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), "tsakt-fake-pki-"));
  try {
    return await work(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const ecKey = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];

/** Creates a CA with the openssl CLI; throws MissingBinaryError (naming the apt package) when openssl is not installed. */
export async function createTestCertificateAuthority(name = "fake-ca"): Promise<TestCertificateAuthority> {
  const openssl = requireBinary("openssl");
  const ca = await withTempDir(async (dir) => {
    await run(
      openssl,
      [
        "req",
        "-x509",
        ...ecKey,
        "-keyout",
        "ca.key",
        "-out",
        "ca.crt",
        "-days",
        "1",
        "-sha256",
        "-subj",
        subject({ commonName: name }),
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign",
      ],
      { cwd: dir },
    );
    return { cert: await readFile(join(dir, "ca.crt"), "utf8"), key: await readFile(join(dir, "ca.key"), "utf8") };
  });

  const issue = (request: LeafRequest): Promise<PemPair> =>
    withTempDir(async (dir) => {
      await writeFile(join(dir, "ca.crt"), ca.cert);
      await writeFile(join(dir, "ca.key"), ca.key, { mode: 0o600 });
      const sans = [
        ...(request.ipAddresses ?? ["127.0.0.1"]).map((ip) => `IP:${ip}`),
        ...(request.dnsNames ?? ["localhost"]).map((dns) => `DNS:${dns}`),
      ];
      const extensions = [
        "basicConstraints=critical,CA:FALSE",
        "keyUsage=critical,digitalSignature,keyEncipherment",
        request.usage === "server" ? "extendedKeyUsage=serverAuth" : "extendedKeyUsage=clientAuth",
        ...(request.usage === "server" ? [`subjectAltName=${sans.join(",")}`] : []),
      ];
      await writeFile(join(dir, "leaf.ext"), `${extensions.join("\n")}\n`);
      await run(openssl, ["req", "-new", ...ecKey, "-keyout", "leaf.key", "-out", "leaf.csr", "-subj", subject(request)], { cwd: dir });
      await run(
        openssl,
        [
          "x509",
          "-req",
          "-in",
          "leaf.csr",
          "-CA",
          "ca.crt",
          "-CAkey",
          "ca.key",
          "-set_serial",
          `0x${randomBytes(8).toString("hex")}`,
          "-days",
          "1",
          "-sha256",
          "-extfile",
          "leaf.ext",
          "-out",
          "leaf.crt",
        ],
        { cwd: dir },
      );
      return { cert: await readFile(join(dir, "leaf.crt"), "utf8"), key: await readFile(join(dir, "leaf.key"), "utf8") };
    });

  return { cert: ca.cert, issue };
}
