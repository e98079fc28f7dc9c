import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { selectBackend } from "../../src/runtime/backend.js";
import { ModelCore } from "../../src/runtime/core.js";
import { ParamRegistry } from "../../src/runtime/params.js";
import { Random } from "../../src/runtime/random.js";
import {
  TEST_HIERARCHY,
  testIr,
  testSharedBottom,
} from "./network-fixtures.js";

/** Builds a core whose explicit view reads `E` columns 0..3 through hidden layers [3, 2]. */
function coreWithHiddenView(): { core: ModelCore; params: ParamRegistry } {
  const params = new ParamRegistry(new Random(1));
  const core = new ModelCore({
    ir: testIr({
      hierarchy: {
        ...TEST_HIERARCHY,
        view: "explicit",
        explicit: ["gender", "age"],
        implicit: [],
        viewLayers: [3, 2],
        codeDim: 2,
      },
    }),
    scenarios: 2,
    inputDim: 6,
    featureSlices: {
      gender: { offset: 0, width: 2 },
      age: { offset: 2, width: 2 },
    },
    weights: params,
    random: new Random(2),
    backbone: testSharedBottom,
  });
  return { core, params };
}

function assign(
  params: ParamRegistry,
  name: string,
  values: number[][] | number[],
): void {
  const entry = params.get(name);
  if (entry === undefined) throw new Error(`no weight ${name}`);
  entry.variable.assign(tf.tensor(values, entry.variable.shape));
}

describe.each(["cpu", "wasm"] as const)(
  "hierarchy view layers on %s",
  (backend) => {
    beforeAll(async () => {
      await selectBackend(backend, () => {});
    });

    it("creates one weight pair per hidden layer before the final map", () => {
      const { core, params } = coreWithHiddenView();
      const shape = (name: string) => params.get(name)?.variable.shape;
      expect(shape("hierarchy/explicit/layer_0/kernel")).toEqual([4, 3]);
      expect(shape("hierarchy/explicit/layer_0/bias")).toEqual([3]);
      expect(shape("hierarchy/explicit/layer_1/kernel")).toEqual([3, 2]);
      expect(shape("hierarchy/explicit/kernel")).toEqual([2, 2]);
      core.dispose();
      params.dispose();
    });

    it("computes relu layers, then the linear map, on the view's columns only", () => {
      const { core, params } = coreWithHiddenView();
      assign(params, "hierarchy/explicit/layer_0/kernel", [
        [1, 0, -1],
        [0, 1, 0],
        [1, 1, 0],
        [0, 0, 1],
      ]);
      assign(params, "hierarchy/explicit/layer_0/bias", [0, -1, 0]);
      assign(params, "hierarchy/explicit/layer_1/kernel", [
        [1, 0],
        [0, 1],
        [1, -1],
      ]);
      assign(params, "hierarchy/explicit/layer_1/bias", [0, 0]);
      assign(params, "hierarchy/explicit/kernel", [
        [2, 0],
        [0, 3],
      ]);
      assign(params, "hierarchy/explicit/bias", [0.5, -0.5]);

      // Columns 4 and 5 are outside the view: 100 there must change nothing.
      const embeddings = tf.tensor2d([
        [1, 2, 0, 1, 100, 100],
        [-1, 0, 2, 3, 100, -100],
      ]);
      const x = core.viewVector(embeddings).arraySync();

      // Row 1: layer 0 relu([1, 1, 0]) = [1, 1, 0]; layer 1 relu([1, 1]);
      // final [2 + 0.5, 3 - 0.5].
      // Row 2: layer 0 relu([1, 1, 4]); layer 1 relu([5, -3]) = [5, 0];
      // final [10 + 0.5, 0 - 0.5].
      expect(x[0][0]).toBeCloseTo(2.5, 6);
      expect(x[0][1]).toBeCloseTo(2.5, 6);
      expect(x[1][0]).toBeCloseTo(10.5, 6);
      expect(x[1][1]).toBeCloseTo(-0.5, 6);

      embeddings.dispose();
      core.dispose();
      params.dispose();
    });
  },
);
