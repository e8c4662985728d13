import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { findBinary, skipWithoutBinary } from "@tsakt/test-servers";
import { eventually } from "@tsakt/testkit";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type FakeKubernetesApi, type KubeconfigCredentials, startFakeKubernetesApi } from "../src/index.js";

// A real kubectl (Debian: kubernetes-client; any kubectl on PATH or in KUBECTL_BIN) is the client that
// confirms the fake's answers. Outside CI a machine without it skips these tests and says why; under CI=true it fails.
const skip = skipWithoutBinary("kubectl") || skipWithoutBinary("openssl");
if (skip) console.warn("kubectl tests skipped: no kubectl on PATH or in KUBECTL_BIN (Debian: apt-get install -y kubernetes-client)");

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

describe.skipIf(skip)("the fake Kubernetes API driven by a real kubectl", () => {
  let api: FakeKubernetesApi;
  let dir: string;
  const children: ChildProcess[] = [];

  function kubeconfig(name: string, credentials?: KubeconfigCredentials): string {
    const file = join(dir, name);
    writeFileSync(file, api.kubeconfig(credentials ? { credentials } : {}), { mode: 0o600 });
    return file;
  }

  function args(config: string, rest: string[]): string[] {
    return ["--kubeconfig", config, "--cache-dir", join(dir, "cache"), "--request-timeout", "10s", ...rest];
  }

  function kubectl(rest: string[], config = join(dir, "token.kubeconfig")): Promise<Run> {
    return new Promise((resolve) => {
      execFile(
        findBinary("kubectl")!,
        args(config, rest),
        { env: { ...process.env, HOME: dir }, timeout: 20_000 },
        (error, stdout, stderr) => {
          resolve({ code: error ? Number((error as { code?: unknown }).code ?? 1) : 0, stdout, stderr });
        },
      );
    });
  }

  /** Starts a long-running kubectl and collects its stdout lines; the test kills it by PID. */
  function kubectlStream(rest: string[]): { lines: string[]; child: ChildProcess } {
    const child = spawn(findBinary("kubectl")!, args(join(dir, "token.kubeconfig"), rest), {
      env: { ...process.env, HOME: dir },
      stdio: ["ignore", "pipe", "pipe"],
    });
    children.push(child);
    const lines: string[] = [];
    let partial = "";
    child.stdout!.setEncoding("utf8");
    child.stdout!.on("data", (chunk: string) => {
      partial += chunk;
      const parts = partial.split("\n");
      partial = parts.pop() ?? "";
      lines.push(...parts);
    });
    return { lines, child };
  }

  const columns = (line: string): string[] => line.trim().split(/\s+/);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "tsakt-kubectl-"));
    api = await startFakeKubernetesApi();
    kubeconfig("token.kubeconfig");
  });

  afterEach(() => {
    for (const child of children.splice(0)) if (child.exitCode === null) child.kill();
    for (const pod of api.pods()) api.deletePod(pod.metadata.name, { namespace: pod.metadata.namespace, gracePeriodMs: 0 });
  });

  afterAll(async () => {
    await api?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("lists pods by label as the server's Table, by name, and answers version and jsonpath queries", async () => {
    api.addPod({ name: "orders-0", labels: { app: "orders" }, podIP: "10.1.0.5" });
    api.addPod({ name: "orders-1", labels: { app: "orders" }, phase: "Pending" });
    api.addPod({ name: "billing-0", labels: { app: "billing" } });

    const table = await kubectl(["get", "pods", "-l", "app=orders"]);
    expect(table.stderr).toBe("");
    const [header, ...rows] = table.stdout.trim().split("\n");
    expect(columns(header!)).toEqual(["NAME", "READY", "STATUS", "RESTARTS", "AGE"]);
    expect(rows.map((r) => columns(r).slice(0, 4))).toEqual([
      ["orders-0", "1/1", "Running", "0"],
      ["orders-1", "0/1", "Pending", "0"],
    ]);
    expect((await kubectl(["get", "pods", "-l", "app in (orders)", "-o", "name"])).stdout.trim().split("\n")).toEqual([
      "pod/orders-0",
      "pod/orders-1",
    ]);
    expect((await kubectl(["get", "pod", "orders-0", "-o", "jsonpath={.status.podIP}"])).stdout).toBe("10.1.0.5");
    const version = JSON.parse((await kubectl(["version", "-o", "json"])).stdout) as { serverVersion: { gitVersion: string } };
    expect(version.serverVersion.gitVersion).toMatch(/^v1\.32\.0/);
  });

  it("streams ADDED, MODIFIED (Terminating) and DELETED with --watch-only as the pods change", async () => {
    api.addPod({ name: "orders-0", labels: { app: "orders" } });
    const { lines } = kubectlStream(["get", "pods", "-l", "app=orders", "--watch-only", "--output-watch-events"]);
    await eventually("kubectl's watch to open", () => api.activeWatches === 1, { timeoutMs: 15_000 });
    api.addPod({ name: "orders-1", labels: { app: "orders" } });
    api.addPod({ name: "billing-0", labels: { app: "billing" } });
    api.deletePod("orders-0", { gracePeriodMs: 500 });
    await eventually("the DELETED event", () => lines.some((l) => l.startsWith("DELETED")), { timeoutMs: 15_000 });
    expect(lines.map((l) => columns(l).slice(0, 4))).toEqual([
      ["EVENT", "NAME", "READY", "STATUS"],
      ["ADDED", "orders-1", "1/1", "Running"],
      ["MODIFIED", "orders-0", "1/1", "Terminating"],
      ["DELETED", "orders-0", "1/1", "Terminating"],
    ]);
  });

  it("gets 410 Gone for a resource version from before the API server restarted", async () => {
    const stale = api.addPod({ name: "orders-0", labels: { app: "orders" } }).metadata.resourceVersion;
    api.addPod({ name: "orders-1", labels: { app: "orders" } });
    await api.restart();
    const raw = await kubectl(["get", "--raw", `/api/v1/namespaces/default/pods?watch=true&resourceVersion=${stale}`]);
    expect(raw.code).toBe(0);
    const event = JSON.parse(raw.stdout.trim().split("\n")[0]!) as { type: string; object: { code: number; reason: string } };
    expect(event).toMatchObject({ type: "ERROR", object: { kind: "Status", code: 410, reason: "Expired" } });
  });

  it("deletes a pod with a grace period and waits until it is gone", async () => {
    api.addPod({ name: "orders-0", labels: { app: "orders" } });
    const deleted = await kubectl(["delete", "pod", "orders-0", "--grace-period=1"]);
    expect([deleted.code, deleted.stdout.trim()]).toEqual([0, 'pod "orders-0" deleted']);
    expect(api.pod("orders-0")).toBeUndefined();
  });

  it("reports RBAC's 403 for a client-certificate user without the list right", async () => {
    const certificate = await api.clientCertificate({ user: "bob", verbs: ["get"] });
    const config = kubeconfig("bob.kubeconfig", { clientCertificate: certificate });
    const denied = await kubectl(["get", "pods"], config);
    expect(denied.code).not.toBe(0);
    expect(denied.stderr).toContain(
      'Error from server (Forbidden): pods is forbidden: User "bob" cannot list resource "pods" in API group "" in the namespace "default"',
    );
  });
});
