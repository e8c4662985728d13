import type { PemPair } from "../tls/test-pki.js";

/** Who a kubeconfig authenticates as: a bearer token, or a client certificate and its key. */
export type KubeconfigCredentials = { token: string } | { clientCertificate: PemPair };

/** What goes into one kubeconfig. */
export interface KubeconfigInput {
  server: string;
  caCert: string;
  credentials: KubeconfigCredentials;
  namespace?: string;
}

const base64 = (text: string): string => Buffer.from(text, "utf8").toString("base64");

/** A kubeconfig (YAML) with one cluster (trusting the fake's CA), one user and a current context. */
export function renderKubeconfig(input: KubeconfigInput): string {
  const user =
    "token" in input.credentials
      ? [`    token: ${input.credentials.token}`]
      : [
          `    client-certificate-data: ${base64(input.credentials.clientCertificate.cert)}`,
          `    client-key-data: ${base64(input.credentials.clientCertificate.key)}`,
        ];
  return [
    "apiVersion: v1",
    "kind: Config",
    "clusters:",
    "- name: fake-kubernetes",
    "  cluster:",
    `    server: ${input.server}`,
    `    certificate-authority-data: ${base64(input.caCert)}`,
    "users:",
    "- name: fake-user",
    "  user:",
    ...user,
    "contexts:",
    "- name: fake",
    "  context:",
    "    cluster: fake-kubernetes",
    "    user: fake-user",
    ...(input.namespace ? [`    namespace: ${input.namespace}`] : []),
    "current-context: fake",
    "",
  ].join("\n");
}
