import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { create, fromBinary } from "@bufbuild/protobuf";
import {
  type CodeGeneratorRequest,
  CodeGeneratorRequestSchema,
  type FileDescriptorProto,
  FileDescriptorSetSchema,
} from "@bufbuild/protobuf/wkt";

/** The repository root, where buf.yaml lists the fixture modules. */
export const root = resolve(import.meta.dirname, "../../..");
/** The buf CLI the repository pins. */
export const buf = join(root, "node_modules", ".bin", "buf");

/**
 * The CodeGeneratorRequest buf would send for the .proto files of the module `moduleDir` (or only `only`): buf
 * compiles the module with its imports, source info included, as for `buf generate`.
 */
export function requestFor(moduleDir: string, only?: readonly string[], parameter = "target=ts,import_extension=js"): CodeGeneratorRequest {
  const files = compiled(moduleDir);
  const own = files.map((f) => f.name).filter((name) => existsSync(join(root, moduleDir, name)));
  const fileToGenerate = only === undefined ? own : own.filter((name) => only.includes(name));
  return create(CodeGeneratorRequestSchema, {
    fileToGenerate,
    parameter,
    protoFile: files,
    sourceFileDescriptors: files.filter((f) => fileToGenerate.includes(f.name)),
  });
}

const images = new Map<string, FileDescriptorProto[]>();

/** The module compiled by `buf build` (once per test file), imports first. */
function compiled(moduleDir: string): FileDescriptorProto[] {
  let files = images.get(moduleDir);
  if (files !== undefined) return files;
  const dir = mkdtempSync(join(tmpdir(), "protoc-gen-tsakt-"));
  try {
    const image = join(dir, "image.binpb");
    execFileSync(buf, ["build", moduleDir, "--as-file-descriptor-set", "-o", image], { cwd: root, stdio: ["ignore", "ignore", "inherit"] });
    files = fromBinary(FileDescriptorSetSchema, readFileSync(image)).file;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  images.set(moduleDir, files);
  return files;
}
