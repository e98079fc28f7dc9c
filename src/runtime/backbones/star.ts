import type { BackboneFactory } from "./types.js";

/** Placeholder until the star backbone lands. */
export const star: BackboneFactory = () => {
  throw new Error("backbone star is not implemented yet");
};
