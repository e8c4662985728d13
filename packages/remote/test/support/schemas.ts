import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createFileRegistry, type DescMessage, type FileRegistry, fromBinary } from "@bufbuild/protobuf";
import { FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import { afterAll } from "vitest";

const root = resolve(import.meta.dirname, "../../../..");
const protoDir = resolve(import.meta.dirname, "../fixtures/proto");

let image: Uint8Array | undefined;
let imageDir: string | undefined;

afterAll(() => {
  if (imageDir !== undefined) rmSync(imageDir, { recursive: true, force: true });
  imageDir = undefined;
});

/** Compiles test/fixtures/proto with buf into a FileDescriptorSet (once per process). */
export function testImage(): Uint8Array {
  image ??= execFileSync(join(root, "node_modules/.bin/buf"), ["build", protoDir, "-o", "-#format=binpb"], { cwd: root });
  return image;
}

/** Writes the test image to a temp file for child processes (removed after the test file) and returns its path. */
export function testImageFile(): string {
  imageDir ??= mkdtempSync(join(tmpdir(), "tsakt-remote-image-"));
  const file = join(imageDir, "image.binpb");
  writeFileSync(file, testImage());
  return file;
}

/** The registry of the test schemas (testdata.*, plus the well-known types they import). */
export function testRegistry(): FileRegistry {
  return createFileRegistry(fromBinary(FileDescriptorSetSchema, testImage()));
}

/** A message schema of the test registry by name, for example "testdata.Greet". */
export function schema(registry: FileRegistry, typeName: string): DescMessage {
  const desc = registry.getMessage(typeName);
  if (desc === undefined) throw new Error(`test schema ${typeName} missing`);
  return desc;
}
