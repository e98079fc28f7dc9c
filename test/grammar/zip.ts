import { inflateRawSync } from "node:zlib";

/** One file of a zip archive. */
export interface ZipEntry {
  readonly name: string;
  readonly size: number;
  /** The uncompressed bytes. */
  readonly data: Buffer;
}

const END_OF_CENTRAL_DIRECTORY = 0x06054b50;
const CENTRAL_DIRECTORY_HEADER = 0x02014b50;
const LOCAL_FILE_HEADER = 0x04034b50;

/**
 * Reads the entries of a zip archive through its central directory. It
 * handles what vsce writes (stored or deflated entries, no zip64, no
 * encryption) and throws on anything else.
 */
export function readZip(archive: Buffer): ZipEntry[] {
  let end = archive.length - 22;
  while (end >= 0 && archive.readUInt32LE(end) !== END_OF_CENTRAL_DIRECTORY) {
    end--;
  }
  if (end < 0)
    throw new Error("not a zip archive: no end of central directory");
  const count = archive.readUInt16LE(end + 10);
  let offset = archive.readUInt32LE(end + 16);
  const entries: ZipEntry[] = [];
  for (let i = 0; i < count; i++) {
    if (archive.readUInt32LE(offset) !== CENTRAL_DIRECTORY_HEADER) {
      throw new Error(`broken central directory at byte ${offset}`);
    }
    const method = archive.readUInt16LE(offset + 10);
    const compressedSize = archive.readUInt32LE(offset + 20);
    const size = archive.readUInt32LE(offset + 24);
    const nameLength = archive.readUInt16LE(offset + 28);
    const extraLength = archive.readUInt16LE(offset + 30);
    const commentLength = archive.readUInt16LE(offset + 32);
    const localOffset = archive.readUInt32LE(offset + 42);
    const name = archive.toString(
      "utf8",
      offset + 46,
      offset + 46 + nameLength,
    );
    entries.push({
      name,
      size,
      data: readEntryData(archive, localOffset, method, compressedSize),
    });
    offset += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

function readEntryData(
  archive: Buffer,
  localOffset: number,
  method: number,
  compressedSize: number,
): Buffer {
  if (archive.readUInt32LE(localOffset) !== LOCAL_FILE_HEADER) {
    throw new Error(`broken local file header at byte ${localOffset}`);
  }
  const nameLength = archive.readUInt16LE(localOffset + 26);
  const extraLength = archive.readUInt16LE(localOffset + 28);
  const start = localOffset + 30 + nameLength + extraLength;
  const raw = archive.subarray(start, start + compressedSize);
  if (method === 0) return Buffer.from(raw);
  if (method === 8) return inflateRawSync(raw);
  throw new Error(`unsupported zip compression method ${method}`);
}
