import type { BackboneFactory } from "./types.js";

/** Placeholder until the m2m backbone lands. */
export const m2m: BackboneFactory = () => {
  throw new Error("backbone m2m is not implemented yet");
};
