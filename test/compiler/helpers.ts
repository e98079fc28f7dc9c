// Writes spec files into a fresh temporary folder, for compiler tests.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

/** A tiny CSV header every test spec can read. */
export const TINY_CSV =
  "click,long_view,tab,user_id,item_id,age,gender,price,tags\n1,0,a,u1,i1,20,m,3.5,x\n";

/** The dataset, features and base model most tests extend. */
export const BASE_SPEC = `
dataset tiny {
  source "tiny.csv"
  scenario tab
  populations age, gender
}

features tiny {
  embedding 8
  group user { categorical user_id, age, gender }
  group item {
    categorical item_id, tab
    numeric price
  }
}

model base {
  dataset tiny
  features tiny
  backbone mmoe { experts 2  expert_layers [16] }
  task click { label click }
}
`;

/** Writes `files` (name -> text) plus `tiny.csv` and `base.hmdn`; returns the folder. */
export function writeSpecs(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), "hmdnc-compiler-"));
  writeFileSync(path.join(dir, "tiny.csv"), TINY_CSV);
  writeFileSync(path.join(dir, "base.hmdn"), BASE_SPEC);
  for (const [name, text] of Object.entries(files)) {
    writeFileSync(path.join(dir, name), text);
  }
  return dir;
}
