// The CSV header check: an empty file and a repeated column are reported
// once, at the dataset's `source`.
import { writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

import { checkFiles, compileModel } from "../../src/compiler/index.js";
import { writeSpecs } from "./helpers.js";

function placed(
  result: Awaited<ReturnType<typeof checkFiles>>,
): (string | number)[][] {
  return result.diagnostics.map((item) => {
    const position = result.sources.get(item.file)!.lineColumn(item.span.start);
    return [item.code, item.message, position.line, position.column];
  });
}

describe("CSV header check", () => {
  it("reports an empty CSV file once, at the source string", async () => {
    const dir = writeSpecs({});
    writeFileSync(path.join(dir, "tiny.csv"), "");
    const result = await checkFiles([path.join(dir, "base.hmdn")]);
    expect(placed(result)).toEqual([
      ["HMD2033", "the CSV file `tiny.csv` is empty", 3, 10],
    ]);
  });

  it("names a repeated header column", async () => {
    const dir = writeSpecs({});
    writeFileSync(
      path.join(dir, "tiny.csv"),
      "click,long_view,tab,user_id,item_id,age,gender,price,tags,age\n",
    );
    const result = await compileModel(path.join(dir, "base.hmdn"));
    expect(result.ir).toBeNull();
    expect(placed(result)).toEqual([
      ["HMD2033", "the header of `tiny.csv` names column `age` twice", 3, 10],
    ]);
  });
});
