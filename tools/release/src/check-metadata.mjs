// The registry-page fields of a publishable manifest: where the source lives (repository with the package's folder),
// where its README and issues are (homepage, bugs), and what npm search finds it by (keywords).

/** The repository every package is published from. */
export const REPOSITORY_URL = "https://github.com/tsakt/tsakt";

/**
 * Names each missing or wrong registry-page field of a manifest.
 * @param {Record<string, any>} pkg the package.json
 * @param {string} [directory] the package's folder relative to the repository root ("packages/actor"); when given,
 *   `repository.directory` must equal it
 * @returns {string[]} problems; empty when the fields are in order
 */
export function checkPublishMetadata(pkg, directory) {
  const problems = [];
  const repo = pkg.repository;
  if (typeof repo !== "object" || repo === null) problems.push('"repository" is missing: { type: "git", url, directory }');
  else {
    if (repo.type !== "git") problems.push(`"repository.type" is ${JSON.stringify(repo.type)}, expected "git"`);
    if (typeof repo.url !== "string" || !/^git\+https:\/\/\S+\.git$/.test(repo.url))
      problems.push(`"repository.url" is ${JSON.stringify(repo.url)}, expected "git+https://….git"`);
    if (typeof repo.directory !== "string" || repo.directory === "")
      problems.push('"repository.directory" is missing: the package\'s folder in the repository');
    else if (directory !== undefined && repo.directory !== directory)
      problems.push(`"repository.directory" is ${JSON.stringify(repo.directory)}, expected "${directory}"`);
  }
  if (typeof pkg.homepage !== "string" || !pkg.homepage.startsWith("https://"))
    problems.push('"homepage" is missing: an https URL of the README');
  const bugs = typeof pkg.bugs === "string" ? pkg.bugs : pkg.bugs?.url;
  if (typeof bugs !== "string" || !bugs.startsWith("https://")) problems.push('"bugs" is missing: { url } of the issue tracker');
  const keywords = Array.isArray(pkg.keywords) ? pkg.keywords : [];
  if (keywords.length === 0 || !keywords.every((k) => typeof k === "string" && k !== ""))
    problems.push('"keywords" is missing or empty: the words npm search should find the package by');
  return problems;
}
