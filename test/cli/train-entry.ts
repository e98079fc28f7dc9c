// Runs the CLI from its TypeScript sources (through tsx), like bin/hmdnc.js
// runs the compiled one, so end-to-end tests need no build.
import { main } from "../../src/cli/main.js";

process.exitCode = await main(process.argv.slice(2));
