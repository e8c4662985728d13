/**
 * Runs one (library, workload) pair in a fresh process and prints one JSON line to stdout:
 * {"ok":true,"metrics":{…}} or {"ok":false,"error":"…"}. Usage (run.mjs does this):
 *   node --expose-gc src/child.mjs <tsakt|nact|xstate> <workload> '<params json>'
 */
import * as workloads from "./workloads.mjs";

const [lib, workload, paramsJson = "{}"] = process.argv.slice(2);

async function main() {
  // biome-ignore lint/performance/noDynamicNamespaceImportAccess: the workload is chosen by name on the command line.
  const run = workloads[workload];
  if (typeof run !== "function") throw new Error(`unknown workload "${workload}" (known: ${Object.keys(workloads).join(", ")})`);
  const { createDriver } = await import(`./scenarios/${lib}.mjs`);
  const params = JSON.parse(paramsJson);
  const driver = await createDriver();
  const metrics = await run(driver, params);
  // Stopping a million actors is not what the spawn scenario measures; the process exits right after.
  if (params.stop !== false) await driver.stop();
  return metrics;
}

main().then(
  (metrics) => {
    process.stdout.write(`${JSON.stringify({ ok: true, metrics })}\n`, () => process.exit(0));
  },
  (error) => {
    process.stdout.write(`${JSON.stringify({ ok: false, error: String(error?.stack ?? error) })}\n`, () => process.exit(1));
  },
);
