// A tiny reader for the gzipped tarballs npm and pnpm produce: 512-byte headers, ustar prefixes, pax and GNU
// long names. It reads the whole archive into memory, which is fine for packages of a few hundred kilobytes.
import { readFile } from "node:fs/promises";
import { gunzipSync } from "node:zlib";

const BLOCK = 512;

/**
 * Reads a .tgz file and returns its regular files by path, with the top folder ("package/") removed.
 * @param {string} path
 * @returns {Promise<Map<string, Buffer>>}
 */
export async function readTarball(path) {
  return readTarEntries(gunzipSync(await readFile(path)));
}

/**
 * Splits an uncompressed tar archive into its regular files, keyed by path without the top folder.
 * @param {Buffer} tar
 * @returns {Map<string, Buffer>}
 */
export function readTarEntries(tar) {
  const files = new Map();
  let offset = 0;
  // A pax ("x") or GNU ("L") record names the entry that follows it.
  let longName = "";
  while (offset + BLOCK <= tar.length) {
    const header = tar.subarray(offset, offset + BLOCK);
    if (header.every((b) => b === 0)) break;
    const size = parseOctal(header.subarray(124, 136));
    const type = String.fromCharCode(header[156] ?? 0);
    const body = tar.subarray(offset + BLOCK, offset + BLOCK + size);
    offset += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
    if (type === "x") {
      longName = paxPath(body) ?? longName;
      continue;
    }
    if (type === "L") {
      longName = cString(body);
      continue;
    }
    const name = longName || joinPrefix(cString(header.subarray(345, 500)), cString(header.subarray(0, 100)));
    longName = "";
    // "0" and NUL are regular files; folders, links and global pax headers carry no content worth checking.
    if (type === "0" || type === "\0") files.set(stripTopFolder(name), Buffer.from(body));
  }
  return files;
}

/** @param {Buffer} field */
function parseOctal(field) {
  const text = cString(field).trim();
  return text === "" ? 0 : Number.parseInt(text, 8);
}

/** @param {Buffer} field */
function cString(field) {
  const end = field.indexOf(0);
  return field.subarray(0, end === -1 ? field.length : end).toString("utf8");
}

/** @param {string} prefix @param {string} name */
function joinPrefix(prefix, name) {
  return prefix === "" ? name : `${prefix}/${name}`;
}

/** @param {string} name */
function stripTopFolder(name) {
  const slash = name.indexOf("/");
  return slash === -1 ? name : name.slice(slash + 1);
}

/**
 * Finds the "path" record of a pax extended header ("<len> path=<value>\n" records).
 * @param {Buffer} body
 * @returns {string | undefined}
 */
function paxPath(body) {
  for (const record of body.toString("utf8").split("\n")) {
    const match = /^\d+ path=(.*)$/.exec(record);
    if (match) return match[1];
  }
  return undefined;
}
