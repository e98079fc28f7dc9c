/**
 * Detection of files that are not UTF-8 text. Parsing the bytes of an image
 * or an archive as a spec gives hundreds of meaningless syntax errors, so a
 * caller checks the raw bytes first and reports one diagnostic instead.
 */

import { diagnostic } from "./codes.js";
import type { Diagnostic } from "./diagnostic.js";

/** Why a file is not text, and the byte offset where that shows. */
export interface BinaryEvidence {
  readonly reason: "NUL byte" | "invalid UTF-8";
  readonly byteOffset: number;
}

/**
 * Finds the first NUL byte or invalid UTF-8 sequence in `bytes`, or returns
 * undefined when the bytes are UTF-8 text. Overlong forms, surrogates and
 * code points above U+10FFFF count as invalid, as in the WHATWG decoder.
 */
export function findBinaryEvidence(
  bytes: Uint8Array,
): BinaryEvidence | undefined {
  let index = 0;
  while (index < bytes.length) {
    const lead = bytes[index];
    if (lead === 0) return { reason: "NUL byte", byteOffset: index };
    if (lead < 0x80) {
      index++;
      continue;
    }
    const length = sequenceLength(bytes, index);
    if (length === 0) return { reason: "invalid UTF-8", byteOffset: index };
    index += length;
  }
  return undefined;
}

/** Returns the length of the valid multi-byte sequence at `index`, or 0. */
function sequenceLength(bytes: Uint8Array, index: number): number {
  const lead = bytes[index];
  let length: number;
  let low = 0x80;
  let high = 0xbf;
  if (lead >= 0xc2 && lead <= 0xdf) {
    length = 2;
  } else if (lead >= 0xe0 && lead <= 0xef) {
    length = 3;
    if (lead === 0xe0) low = 0xa0;
    if (lead === 0xed) high = 0x9f;
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    length = 4;
    if (lead === 0xf0) low = 0x90;
    if (lead === 0xf4) high = 0x8f;
  } else {
    return 0;
  }
  if (index + length > bytes.length) return 0;
  for (let k = 1; k < length; k++) {
    const byte = bytes[index + k];
    // Only the second byte has the narrowed range; later ones are plain
    // continuation bytes.
    const min = k === 1 ? low : 0x80;
    const max = k === 1 ? high : 0xbf;
    if (byte < min || byte > max) return 0;
  }
  return length;
}

/**
 * Returns one HMD1001 diagnostic saying that `file` is not a text file when
 * `bytes` contain a NUL byte or invalid UTF-8, and undefined otherwise. The
 * span is the first offending character in the text that
 * `new Source(new TextDecoder().decode(bytes), file)` holds, so the caller
 * can render it against that source.
 */
export function notTextFileDiagnostic(
  file: string,
  bytes: Uint8Array,
): Diagnostic | undefined {
  const evidence = findBinaryEvidence(bytes);
  if (evidence === undefined) return undefined;
  const hasMark =
    bytes.length >= 3 &&
    bytes[0] === 0xef &&
    bytes[1] === 0xbb &&
    bytes[2] === 0xbf;
  // The prefix before the evidence is valid UTF-8, so its decoded length is
  // the UTF-16 offset of the offending character.
  const decoded = new TextDecoder("utf-8", { ignoreBOM: true }).decode(
    bytes.subarray(0, evidence.byteOffset),
  );
  const start = Math.max(0, decoded.length - (hasMark ? 1 : 0));
  return diagnostic("HMD1001", {
    file,
    span: { start, end: start + 1 },
    message: `the file is not a text file: ${evidence.reason} at byte ${evidence.byteOffset}`,
    label: evidence.reason === "NUL byte" ? "NUL byte" : "not UTF-8",
    help: "spec files are UTF-8 text; check that the path names a .hmdn file",
  });
}
