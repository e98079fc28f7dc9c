/**
 * Finds the text span of the value at a JSON pointer (`/train/batchSize`,
 * as ajv's `instancePath` writes it) in JSON text, so diagnostics on an IR
 * file point at the offending value instead of the whole file.
 */

import type { Span } from "../diagnostics/span.js";

/**
 * Returns the span of the value at `pointer` in `text`, or of the deepest
 * enclosing value that exists. `text` must be valid JSON.
 */
export function jsonPointerSpan(text: string, pointer: string): Span {
  const segments = pointer
    .split("/")
    .slice(1)
    .map((segment) => segment.replaceAll("~1", "/").replaceAll("~0", "~"));
  let start = skipSpace(text, 0);
  for (const segment of segments) {
    const child = findChild(text, start, segment);
    if (child === null) break;
    start = child;
  }
  return { start, end: valueEnd(text, start) };
}

function skipSpace(text: string, index: number): number {
  let position = index;
  while (position < text.length && /\s/.test(text[position])) position++;
  return position;
}

/** Returns the start of the member `segment` of the object or array at `start`. */
function findChild(
  text: string,
  start: number,
  segment: string,
): number | null {
  const open = text[start];
  if (open !== "{" && open !== "[") return null;
  let position = skipSpace(text, start + 1);
  let index = 0;
  while (
    position < text.length &&
    text[position] !== "}" &&
    text[position] !== "]"
  ) {
    let matches: boolean;
    if (open === "{") {
      const keyEnd = valueEnd(text, position);
      matches = JSON.parse(text.slice(position, keyEnd)) === segment;
      position = skipSpace(text, keyEnd);
      position = skipSpace(text, position + 1);
    } else {
      matches = String(index) === segment;
    }
    if (matches) return position;
    position = skipSpace(text, valueEnd(text, position));
    if (text[position] === ",") position = skipSpace(text, position + 1);
    index++;
  }
  return null;
}

/** Returns the offset just after the value that starts at `start`. */
function valueEnd(text: string, start: number): number {
  const first = text[start];
  if (first === '"') {
    let position = start + 1;
    while (position < text.length && text[position] !== '"') {
      position += text[position] === "\\" ? 2 : 1;
    }
    return position + 1;
  }
  if (first === "{" || first === "[") {
    let depth = 0;
    let position = start;
    while (position < text.length) {
      const character = text[position];
      if (character === '"') {
        position = valueEnd(text, position);
        continue;
      }
      if (character === "{" || character === "[") depth++;
      if (character === "}" || character === "]") depth--;
      position++;
      if (depth === 0) return position;
    }
    return position;
  }
  let position = start;
  while (position < text.length && !/[\s,\]}]/.test(text[position])) position++;
  return position;
}
