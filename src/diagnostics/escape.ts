/**
 * Escaping of text that diagnostics echo from user files. A spec or a CSV
 * line may hold terminal control sequences (`ESC [2J` clears the screen) or
 * bidirectional overrides that reorder what the reader sees; printed raw,
 * they would act on the terminal instead of being shown.
 */

/**
 * Matches the characters `escapeControlCharacters` replaces: C0 controls
 * other than tab, DEL, C1 controls, the line and paragraph separators, and
 * the bidirectional embedding, override and isolate marks.
 */
const UNSAFE =
  /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * Replaces each control character of `text` by a visible escape such as
 * `\x1b` or `\u202e`. Tabs are kept because the renderers expand them to
 * keep carets aligned; every other character is left as it is.
 */
export function escapeControlCharacters(text: string): string {
  return text.replace(UNSAFE, (char) => {
    const code = char.charCodeAt(0);
    return code <= 0xff
      ? `\\x${code.toString(16).padStart(2, "0")}`
      : `\\u${code.toString(16).padStart(4, "0")}`;
  });
}
