import type { BackboneFactory } from "./types.js";

/** Placeholder until the apg backbone lands. */
export const apg: BackboneFactory = () => {
  throw new Error("backbone apg is not implemented yet");
};
