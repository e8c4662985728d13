import { execFile } from "node:child_process";
import { copyFile, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkPackageFiles, checkTarball } from "../src/check-tarball.mjs";
import { type PackedPackage, packAll, WORKSPACE_ROOT, workspacePackages } from "../src/pack-all.mjs";
import { readTarball } from "../src/tar-reader.mjs";

const run = promisify(execFile);
const fixtures = resolve(import.meta.dirname, "fixtures");
// Network clients that belong to the discovery packages; installing the core must pull in none of them.
const NETWORK_CLIENTS = ["nats", "@nats-io", "etcd3", "consul", "@kubernetes", "multicast-dns"];

let packDir: string;
let packed: PackedPackage[];

beforeAll(async () => {
  packDir = await mkdtemp(join(tmpdir(), "tsakt-release-"));
  packed = await packAll(packDir);
  // Packing every package is a pnpm pack per package: about 20 s on an idle 2-core machine, minutes on a loaded one.
}, 240_000);

afterAll(async () => {
  if (packDir !== undefined) await rm(packDir, { recursive: true, force: true });
});

describe("the release tarballs", () => {
  it("are made for every package under packages/ and for nothing in examples/ or tools/", async () => {
    const all = await workspacePackages();
    // A package under packages/ stays private until it has code to publish (an unfinished skeleton).
    const underPackages = all.filter((p) => !p.private && resolve(p.dir).startsWith(`${join(WORKSPACE_ROOT, "packages")}/`));
    expect(packed.map((p) => p.name).sort()).toEqual(underPackages.map((p) => p.name).sort());
    expect(all.filter((p) => !p.private && !underPackages.includes(p)).map((p) => p.name)).toEqual([]);
  });

  it("each pass check-tarball: entry points shipped, no workspace ranges, dist and README only", async () => {
    const problems: Record<string, string[]> = {};
    for (const p of packed) {
      const report = await checkTarball(p.tarball);
      if (report.problems.length > 0) problems[p.name] = report.problems;
    }
    expect(problems).toEqual({});
  });

  it("depend on their sibling packages at the sibling's current version", async () => {
    const versions = new Map((await workspacePackages()).map((p) => [p.name, p.version]));
    const wrong: string[] = [];
    for (const p of packed) {
      const manifest = JSON.parse(await tarballManifest(p.tarball));
      for (const [dep, range] of Object.entries<string>(manifest.dependencies ?? {}))
        if (dep.startsWith("@tsakt/") && range !== `^${versions.get(dep)}`) wrong.push(`${p.name} → ${dep}@${range}`);
    }
    expect(wrong).toEqual([]);
  });
});

describe("check-tarball", () => {
  const good = () =>
    new Map<string, Buffer>([
      ["package.json", json(manifest())],
      ["README.md", Buffer.from("# x\n")],
      ["dist/index.js", Buffer.from('export { a } from "./a.js";\nimport "node:fs";\n')],
      ["dist/index.d.ts", Buffer.from('export { a } from "./a.js";\n')],
      ["dist/a.js", Buffer.from("export const a = 1;\n")],
      ["dist/a.d.ts", Buffer.from("export declare const a = 1;\n")],
    ]);

  it("accepts a package whose entry points, files and imports are all in order", () => {
    expect(checkPackageFiles(good()).problems).toEqual([]);
  });

  it("names each thing that would break a user's install", () => {
    const files = good();
    files.set("package.json", json({ ...manifest(), dependencies: { "@x/core": "workspace:^" }, engines: { node: ">=18" } }));
    files.delete("README.md");
    files.delete("dist/a.d.ts");
    files.set("src/index.ts", Buffer.from(""));
    files.set("dist/index.test.js", Buffer.from('import "vitest";\n'));
    const problems = checkPackageFiles(files).problems;
    expect(problems).toEqual(
      expect.arrayContaining([
        'dependencies.@x/core is still "workspace:^": pack with pnpm so it is rewritten',
        '"engines.node" is ">=18", expected ">=20"',
        "README.md is not in the tarball",
        "src/index.ts ships but only dist/ and README.md should",
        "dist/index.test.js is a test file and should not ship",
        "dist/index.d.ts imports ./a.js, which is not in the tarball",
        "dist/index.test.js imports vitest, but vitest is not in dependencies or peerDependencies",
      ]),
    );
  });

  it("accepts the executables bin declares and .proto files under proto/, and nothing else beside dist", () => {
    const files = good();
    files.set("package.json", json({ ...manifest(), bin: { "protoc-gen-x": "./bin/protoc-gen-x.js" } }));
    files.set("bin/protoc-gen-x.js", Buffer.from('#!/usr/bin/env node\nimport { a } from "../dist/a.js";\n'));
    files.set("proto/x/v1/options.proto", Buffer.from('syntax = "proto3";\n'));
    expect(checkPackageFiles(files).problems).toEqual([]);
    files.set("bin/other.js", Buffer.from(""));
    files.set("proto/README.md", Buffer.from(""));
    files.delete("bin/protoc-gen-x.js");
    expect(checkPackageFiles(files).problems).toEqual([
      '"bin" points at bin/protoc-gen-x.js, which is not in the tarball',
      "bin/other.js ships but only dist/ and README.md should",
      "proto/README.md ships but only dist/ and README.md should",
    ]);
  });

  it("rejects exports whose types come after default or point at missing files", () => {
    const files = good();
    const exports = { ".": { default: "./dist/index.js", types: "./dist/index.d.ts" }, "./extra": "./dist/extra.js" };
    files.set("package.json", json({ ...manifest(), exports }));
    expect(checkPackageFiles(files).problems).toEqual([
      'exports["."]: "types" must be the first condition',
      'exports["./extra"] points at ./dist/extra.js, which is not in the tarball',
    ]);
  });
});

describe("a user who installs only the @tsakt/actor tarball", () => {
  let app: string;

  beforeAll(async () => {
    const actor = packed.find((p) => p.name === "@tsakt/actor");
    if (actor === undefined) throw new Error("@tsakt/actor was not packed");
    app = await mkdtemp(join(tmpdir(), "tsakt-install-"));
    await writeFile(join(app, "package.json"), JSON.stringify({ name: "hello-tsakt", private: true, type: "module" }));
    await copyFile(join(fixtures, "hello.mjs"), join(app, "hello.mjs"));
    await copyFile(join(fixtures, "hello-types.ts"), join(app, "hello-types.ts"));
    // Its registry dependencies come from the npm registry, as on a user's machine.
    await run("npm", ["install", actor.tarball, "--no-audit", "--no-fund", "--ignore-scripts=false"], { cwd: app, timeout: 180_000 });
  }, 200_000);

  afterAll(async () => {
    if (app !== undefined) await rm(app, { recursive: true, force: true });
  });

  it("runs a hello program: start, spawn, ask, stop", async () => {
    const { stdout } = await run(process.execPath, ["hello.mjs"], { cwd: app, timeout: 30_000 });
    expect(stdout).toBe("hello, world\nstopped, greeter alive: false\n");
  });

  it("gets no network client and no other TsAkt package", async () => {
    const installed = await installedPackages(join(app, "node_modules"));
    expect(installed).toContain("@tsakt/actor");
    expect(installed.filter((name) => NETWORK_CLIENTS.some((c) => name === c || name.startsWith(`${c}/`)))).toEqual([]);
    expect(installed.filter((name) => name.startsWith("@tsakt/"))).toEqual(["@tsakt/actor"]);
  });

  it("type-checks a strict TypeScript program against the shipped declarations", async () => {
    const tsconfig = {
      compilerOptions: {
        strict: true,
        noEmit: true,
        target: "ES2022",
        lib: ["ES2022", "ESNext.Disposable"],
        module: "NodeNext",
        moduleResolution: "NodeNext",
        // Checks the shipped .d.ts files too; Node's types come from the workspace, as a user would add @types/node.
        skipLibCheck: false,
        typeRoots: [join(WORKSPACE_ROOT, "node_modules/@types")],
        types: ["node"],
      },
      files: ["hello-types.ts"],
    };
    await writeFile(join(app, "tsconfig.json"), JSON.stringify(tsconfig));
    const tsc = join(WORKSPACE_ROOT, "node_modules/.bin/tsc");
    const result = await run(tsc, ["-p", app], { cwd: app, timeout: 60_000 }).catch((e: { stdout: string }) => e);
    expect(result.stdout).toBe("");
  }, 60_000);
});

function manifest(): Record<string, unknown> {
  return {
    name: "@x/pkg",
    version: "1.0.0",
    type: "module",
    sideEffects: false,
    engines: { node: ">=20" },
    main: "./dist/index.js",
    types: "./dist/index.d.ts",
    exports: { ".": { types: "./dist/index.d.ts", default: "./dist/index.js" }, "./package.json": "./package.json" },
    files: ["dist", "README.md"],
    keywords: ["x"],
    homepage: "https://example.test/x#readme",
    bugs: { url: "https://example.test/x/issues" },
    repository: { type: "git", url: "git+https://example.test/x.git", directory: "packages/x" },
  };
}

function json(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value));
}

async function tarballManifest(tarball: string): Promise<string> {
  return (await readTarball(tarball)).get("package.json")?.toString("utf8") ?? "{}";
}

/** Names of every package under node_modules, nested node_modules folders included. */
async function installedPackages(nodeModules: string): Promise<string[]> {
  const names: string[] = [];
  const visit = async (dir: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      if (!entry.isDirectory() || entry.name.startsWith(".")) continue;
      const scoped = entry.name.startsWith("@");
      const packages = scoped ? (await readdir(join(dir, entry.name))).map((n) => `${entry.name}/${n}`) : [entry.name];
      for (const name of packages) {
        names.push(name);
        await visit(join(dir, name, "node_modules"));
      }
    }
  };
  await visit(nodeModules);
  return [...new Set(names)].sort();
}
