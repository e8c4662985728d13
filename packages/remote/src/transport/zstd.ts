import type { Transform } from "node:stream";
import * as zlib from "node:zlib";

/** The parts of node:zlib's zstd this transport uses; absent before Node.js 22.15 / 23.8. */
interface ZstdZlib {
  createZstdCompress?: (options?: { params?: Record<number, number> }) => Transform & { flush(kind?: number): void };
  createZstdDecompress?: () => Transform;
  constants: { ZSTD_e_flush?: number; ZSTD_c_compressionLevel?: number };
}

const z = zlib as unknown as ZstdZlib;

/** True when this Node.js has zlib's zstd streams. */
export function zstdAvailable(): boolean {
  return typeof z.createZstdCompress === "function" && typeof z.createZstdDecompress === "function";
}

/** A zstd compressor (level 3, flushed per batch like the others) and decompressor, with the flush kind to use. */
export function zstdStreams(): { deflater: Transform & { flush(kind?: number): void }; inflater: Transform; flushKind: number } {
  if (!zstdAvailable()) throw new Error("zstd is not available in this Node.js");
  const level = z.constants.ZSTD_c_compressionLevel;
  const deflater = (z.createZstdCompress as NonNullable<ZstdZlib["createZstdCompress"]>)(
    level === undefined ? {} : { params: { [level]: 3 } },
  );
  const inflater = (z.createZstdDecompress as NonNullable<ZstdZlib["createZstdDecompress"]>)();
  return { deflater, inflater, flushKind: z.constants.ZSTD_e_flush ?? 1 };
}
