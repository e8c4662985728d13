// Writes (default) or checks (--check) the API report of each publishable package's public entries, with
// api-extractor: packages/<pkg>/api/<entry>.api.md. The internal entries are the plugin API and are left out on
// purpose. In --check mode a difference fails, so a change to a public API is always a visible diff in review.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Extractor, ExtractorConfig } from "@microsoft/api-extractor";

const root = resolve(import.meta.dirname, "../..");
const check = process.argv.includes("--check");
const only = process.argv.slice(2).filter((a) => !a.startsWith("--"));
const temp = mkdtempSync(join(tmpdir(), "tsakt-api-"));
const failures = [];
let reports = 0;

for (const dir of readdirSync(join(root, "packages")).sort()) {
  const pkgDir = join(root, "packages", dir);
  let pkg;
  try {
    pkg = JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8"));
  } catch {
    continue;
  }
  if (pkg.private || (only.length > 0 && !only.includes(dir))) continue;
  for (const [entry, target] of Object.entries(pkg.exports ?? {})) {
    if (entry === "./package.json" || entry === "./internal" || typeof target !== "object") continue;
    const name = entry === "." ? "index" : entry.slice(2);
    const reportFolder = join(pkgDir, "api");
    mkdirSync(reportFolder, { recursive: true });
    const config = ExtractorConfig.prepare({
      configObject: {
        projectFolder: pkgDir,
        mainEntryPointFilePath: join(pkgDir, target.types),
        compiler: { tsconfigFilePath: join(pkgDir, "tsconfig.json") },
        apiReport: { enabled: true, reportFolder, reportTempFolder: temp, reportFileName: `${name}.api.md` },
        docModel: { enabled: false },
        dtsRollup: { enabled: false },
        tsdocMetadata: { enabled: false },
        messages: {
          compilerMessageReporting: { default: { logLevel: "warning" } },
          extractorMessageReporting: {
            default: { logLevel: "warning" },
            "ae-missing-release-tag": { logLevel: "none" },
            "ae-internal-missing-underscore": { logLevel: "none" },
            "ae-forgotten-export": { logLevel: "none", addToApiReportFile: true },
            "ae-unresolved-link": { logLevel: "none" },
            "ae-undocumented": { logLevel: "none" },
          },
          tsdocMessageReporting: { default: { logLevel: "none" } },
        },
      },
      configObjectFullPath: join(pkgDir, "api-extractor.json"),
      packageJsonFullPath: join(pkgDir, "package.json"),
    });
    const result = Extractor.invoke(config, { localBuild: !check, showVerboseMessages: false, messageCallback: quiet });
    reports++;
    if (!result.succeeded || (check && result.apiReportChanged))
      failures.push(
        `${pkg.name}${entry === "." ? "" : entry.slice(1)}${result.apiReportChanged ? ": its public API changed" : ": api-extractor failed"}`,
      );
  }
}
rmSync(temp, { recursive: true, force: true });

function quiet(message) {
  // Progress lines are noise; warnings and errors still print.
  if (message.logLevel === "info" || message.logLevel === "verbose") message.handled = true;
}

if (failures.length > 0) {
  console.error(`${failures.join("\n")}\nRun \`pnpm api:report\` and commit the changed packages/*/api/*.api.md with the change.`);
  process.exit(1);
}
console.log(`${reports} API reports ${check ? "match" : "written"}`);
