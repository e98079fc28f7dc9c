import { describe, expect, it } from "vitest";
import { describeFlagError } from "../../src/cli/flag-errors.js";
import { parseFlags, UsageError } from "../../src/cli/training-cli.js";

const options = {
  model: { type: "string" },
  "max-steps": { type: "string" },
  quiet: { type: "boolean" },
  out: { type: "string", short: "o" },
} as const;

function failure(args: string[]): string {
  try {
    parseFlags(args, options);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error("expected a UsageError");
}

describe("flag errors", () => {
  it("names an unknown option", () => {
    expect(failure(["spec.hmdn", "--bogus"])).toBe("unknown option `--bogus`");
    expect(failure(["--bogus=3"])).toBe("unknown option `--bogus`");
    expect(failure(["-x"])).toBe("unknown option `-x`");
  });

  it("says which flag needs a value", () => {
    expect(failure(["spec.hmdn", "--model"])).toBe("`--model` needs a value");
    expect(failure(["-o"])).toBe("`-o (--out)` needs a value");
  });

  it("explains a value that starts with a dash", () => {
    expect(failure(["--max-steps", "-1"])).toBe(
      "`--max-steps` needs a value, but `-1` follows it; " +
        "to pass a value that starts with a dash, write `--max-steps=-1`",
    );
  });

  it("rejects a value for a switch", () => {
    expect(failure(["--quiet=yes"])).toBe("`--quiet` takes no value");
  });

  it("ignores arguments after --", () => {
    expect(
      describeFlagError(["--", "--bogus"], options, new Error("X y")),
    ).toBe("x y");
  });
});
