import { resolve } from "node:path";

const root = import.meta.dirname;

/** Resolves `@tsakt/<pkg>` and `@tsakt/<pkg>/<entry>` to the package's TypeScript source, so tests need no build. */
export const tsaktAliases = [
  { find: /^@tsakt\/(test-servers|protocol-fakes|test-cluster)$/, replacement: resolve(root, "tools/$1/src/index.ts") },
  { find: /^@tsakt\/([a-z0-9-]+)$/, replacement: resolve(root, "packages/$1/src/index.ts") },
  { find: /^@tsakt\/([a-z0-9-]+)\/([a-z0-9-]+)$/, replacement: resolve(root, "packages/$1/src/$2.ts") },
];
