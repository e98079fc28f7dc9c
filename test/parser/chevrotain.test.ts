import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import * as packageEntry from "chevrotain";
import { chevrotain } from "../../src/parser/chevrotain.js";

const bundlePath = join(
  import.meta.dirname,
  "../../node_modules/chevrotain/lib/chevrotain.min.mjs",
);

describe("chevrotain loader", () => {
  it("finds the bundle next to the package entry point", async () => {
    const bundle = (await import(pathToFileURL(bundlePath).href)) as Record<
      string,
      unknown
    >;
    expect(Object.keys(bundle).sort()).toEqual(
      Object.keys(packageEntry).sort(),
    );
    expect(bundle["VERSION"]).toBe(packageEntry.VERSION);
  });

  it("exports the runtime the parser uses", () => {
    for (const name of [
      "CstParser",
      "Lexer",
      "createToken",
      "tokenMatcher",
      "generateCstDts",
      "createSyntaxDiagramsCode",
    ] as const) {
      expect(typeof chevrotain[name], name).toBe("function");
    }
    expect(chevrotain.EOF.name).toBe("EOF");
  });

  it("still has the internal recovery methods the parser overrides", () => {
    const prototype = chevrotain.CstParser.prototype as unknown as Record<
      string,
      unknown
    >;
    for (const name of [
      "tryInRepetitionRecovery",
      "findReSyncTokenType",
      "flattenFollowSet",
    ]) {
      expect(typeof prototype[name], name).toBe("function");
    }
  });
});
