import {
  DiagnosticSeverity,
  type Diagnostic as LspDiagnostic,
  type DiagnosticRelatedInformation,
} from "vscode-languageserver";

import type { Diagnostic, Severity } from "../diagnostics/diagnostic.js";
import type { PositionMap } from "./positions.js";

const severities: Record<Severity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  note: DiagnosticSeverity.Information,
};

/** Looks up the URI and position map of a diagnostic's file. */
export type FileLookup = (
  file: string,
) => { uri: string; positions: PositionMap } | undefined;

/**
 * Converts one hmdnc diagnostic to the LSP form. The code and span stay as
 * `hmdnc check` reports them; the label, notes and help are appended to
 * the message because editors show only the message in their hover, and
 * secondary labels become related information in their own files.
 */
export function toLspDiagnostic(
  item: Diagnostic,
  positions: PositionMap,
  lookup: FileLookup,
): LspDiagnostic {
  const lines = [item.message];
  if (item.label !== undefined) lines[0] += `: ${item.label}`;
  for (const note of item.notes ?? []) lines.push(`note: ${note}`);
  if (item.help !== undefined) lines.push(`help: ${item.help}`);
  const related: DiagnosticRelatedInformation[] = [];
  for (const label of item.labels ?? []) {
    const target = lookup(label.file);
    if (target === undefined) continue;
    related.push({
      location: { uri: target.uri, range: target.positions.range(label.span) },
      message: label.text,
    });
  }
  return {
    range: positions.range(item.span),
    severity: severities[item.severity],
    code: item.code,
    source: "hmdnc",
    message: lines.join("\n"),
    ...(related.length > 0 ? { relatedInformation: related } : {}),
  };
}
