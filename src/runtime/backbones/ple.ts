import type { BackboneFactory } from "./types.js";

/** Placeholder until the ple backbone lands. */
export const ple: BackboneFactory = () => {
  throw new Error("backbone ple is not implemented yet");
};
