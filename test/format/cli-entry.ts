// Runs the CLI from its TypeScript sources (through tsx), so the fmt tests
// need no build.
import { main } from "../../src/cli/main.js";

process.exitCode = await main(process.argv.slice(2));
