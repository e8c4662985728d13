import { readFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { checkPublishMetadata, REPOSITORY_URL } from "../src/check-metadata.mjs";
import { publishablePackages, WORKSPACE_ROOT } from "../src/pack-all.mjs";

const complete = {
  keywords: ["actor"],
  homepage: "https://example.test/x#readme",
  bugs: { url: "https://example.test/x/issues" },
  repository: { type: "git", url: "git+https://example.test/x.git", directory: "packages/x" },
};

describe("the registry-page fields of the manifests", () => {
  it("are set in every publishable package, with repository.directory naming its folder", async () => {
    const packages = await publishablePackages();
    expect(packages.length).toBeGreaterThan(20);
    const problems: Record<string, string[]> = {};
    for (const p of packages) {
      const pkg = JSON.parse(await readFile(join(p.dir, "package.json"), "utf8"));
      const found = checkPublishMetadata(pkg, relative(WORKSPACE_ROOT, p.dir));
      if (pkg.repository?.url !== `git+${REPOSITORY_URL}.git`) found.push(`"repository.url" is not the TsAkt repository`);
      if (found.length > 0) problems[p.name] = found;
    }
    expect(problems).toEqual({});
  });

  it("accepts a manifest with repository, homepage, bugs and keywords", () => {
    expect(checkPublishMetadata(complete, "packages/x")).toEqual([]);
  });

  it("names each missing or wrong field", () => {
    expect(checkPublishMetadata({}, "packages/x")).toEqual([
      '"repository" is missing: { type: "git", url, directory }',
      '"homepage" is missing: an https URL of the README',
      '"bugs" is missing: { url } of the issue tracker',
      '"keywords" is missing or empty: the words npm search should find the package by',
    ]);
    const wrong = { ...complete, keywords: [], repository: { type: "svn", url: "https://x", directory: "packages/y" } };
    expect(checkPublishMetadata(wrong, "packages/x")).toEqual([
      '"repository.type" is "svn", expected "git"',
      '"repository.url" is "https://x", expected "git+https://….git"',
      '"repository.directory" is "packages/y", expected "packages/x"',
      '"keywords" is missing or empty: the words npm search should find the package by',
    ]);
    expect(checkPublishMetadata({ ...complete, repository: { type: "git", url: "git+https://x.git" } })).toEqual([
      `"repository.directory" is missing: the package's folder in the repository`,
    ]);
  });
});
