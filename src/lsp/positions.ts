import type { Position, Range } from "vscode-languageserver";
import { TextDocument } from "vscode-languageserver-textdocument";

import type { Span } from "../diagnostics/span.js";

/**
 * Converts between hmdnc spans and LSP positions for one text. Spans are
 * UTF-16 offsets into the text after a byte order mark is stripped, and LSP
 * positions count UTF-16 code units too, so only the mark needs shifting.
 */
export class PositionMap {
  private readonly document: TextDocument;
  private readonly shift: number;

  constructor(text: string) {
    this.document = TextDocument.create("file:///", "hmdn", 0, text);
    this.shift = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  }

  /** The LSP range of a span. */
  range(span: Span): Range {
    return {
      start: this.document.positionAt(span.start + this.shift),
      end: this.document.positionAt(span.end + this.shift),
    };
  }

  /** The span offset of an LSP position. */
  offset(position: Position): number {
    return Math.max(0, this.document.offsetAt(position) - this.shift);
  }
}
