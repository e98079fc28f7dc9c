import type { HmdnNetwork } from "./network.js";

/** Writes `network` to `directory` in the tfjs layers format. */
export async function exportNetwork(
  network: HmdnNetwork,
  directory: string,
): Promise<void> {
  throw new Error(
    `export of ${network.ir.name} to ${directory} is not built yet`,
  );
}
