// Builds the extension package hmdn-<version>.vsix without network access:
// the extension files are copied to a temporary staging folder, esbuild
// bundles extension.js there together with vscode-languageclient from the
// root node_modules, and vsce packages the staging folder with
// --no-dependencies because the bundle already contains them. Nothing is
// written into the source tree except the .vsix itself.
//
// Usage: node grammar/vscode/scripts/package-vsix.mjs [--out FILE]

import { spawnSync } from "node:child_process";
import { cp, mkdtemp, readFile, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const extensionRoot = fileURLToPath(new URL("..", import.meta.url));
const require = createRequire(import.meta.url);

/** The files of the extension folder that go into the package, besides the bundle. */
export const PACKAGED_FILES = [
  "package.json",
  "README.md",
  "LICENSE",
  ".vscodeignore",
  "language-configuration.json",
  "syntaxes/hmdn.tmLanguage.json",
  "snippets/hmdn.json",
];

/**
 * Bundles extension.js into `<folder>/dist/extension.js` (CommonJS, with
 * `vscode` left external because VS Code provides it).
 *
 * @param {string} folder the staging folder
 */
async function bundleExtension(folder) {
  const esbuild = await import("esbuild");
  await esbuild.build({
    entryPoints: [path.join(extensionRoot, "extension.js")],
    outfile: path.join(folder, "dist", "extension.js"),
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node18",
    external: ["vscode"],
    minify: true,
    logLevel: "warning",
  });
}

/**
 * Stages, bundles and packages the extension; returns the .vsix path.
 *
 * @param {string | undefined} out where to write the package; by default
 *   `grammar/vscode/<name>-<version>.vsix`
 * @returns {Promise<string>}
 */
export async function packageExtension(out) {
  const manifest = JSON.parse(
    await readFile(path.join(extensionRoot, "package.json"), "utf8"),
  );
  const target = path.resolve(
    out ??
      path.join(extensionRoot, `${manifest.name}-${manifest.version}.vsix`),
  );
  const staging = await mkdtemp(path.join(tmpdir(), "hmdn-extension-"));
  try {
    for (const file of PACKAGED_FILES) {
      await cp(path.join(extensionRoot, file), path.join(staging, file));
    }
    await bundleExtension(staging);
    runVsce(staging, target);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return target;
}

function runVsce(folder, target) {
  const vsce = path.join(
    path.dirname(require.resolve("@vscode/vsce/package.json")),
    "vsce",
  );
  const result = spawnSync(
    process.execPath,
    [
      vsce,
      "package",
      "--no-dependencies",
      "--allow-missing-repository",
      "--out",
      target,
    ],
    { cwd: folder, encoding: "utf8" },
  );
  if (result.status !== 0) {
    throw new Error(
      `vsce package failed with exit code ${result.status}:\n${result.stdout}${result.stderr}`,
    );
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const outIndex = process.argv.indexOf("--out");
  const out = outIndex === -1 ? undefined : process.argv[outIndex + 1];
  const target = await packageExtension(out);
  process.stdout.write(`wrote ${target}\n`);
}
