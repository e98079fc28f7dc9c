#!/usr/bin/env node
// Entry point installed as `hmdnc`: runs the compiled CLI from dist/.
import { main } from "../dist/cli/main.js";

// When the reader of stdout or stderr goes away (`hmdnc train ... 2>&1 |
// head -1`), drop the rest of that output and let the command finish its
// work, such as writing a file or a checkpoint, instead of dying on an
// unhandled EPIPE.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (error) => {
    if (error.code !== "EPIPE" && error.code !== "ERR_STREAM_DESTROYED") {
      throw error;
    }
  });
}

process.exitCode = await main(process.argv.slice(2));
