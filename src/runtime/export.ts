import * as tf from "@tensorflow/tfjs";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import type { FeatureIr, ModelIr } from "../compiler/ir.js";
import { PADDING_ID } from "../compiler/ir.js";
import type { BackboneFactory, Initializer } from "./backbones/types.js";
import { defaultBackbone, ModelCore } from "./core.js";
import type { WeightFactory } from "./core.js";
import type { HmdnNetwork } from "./network.js";
import { Random } from "./random.js";
import type { Batch, Preprocessing } from "./types.js";

/**
 * Export to the standard tfjs layers format (`model.json` plus one weight
 * shard). The model is a `tf.LayersModel` of two registered layers:
 * `HmdnEmbedding` (ids and numeric values to `E`: the tables, gathered and
 * pooled on the device, which inference can do on every backend) and
 * `HmdnCore` (`E` and the scenario to one probability per task: views,
 * quantizer and backbone, the same `ModelCore` code the trainer runs).
 *
 * Inputs, in this order:
 * - `ids` int32 `[B, idColumns]`: per categorical or bucketised feature
 *   one column, per multi-value feature `maxLength` columns, in feature
 *   order (`PADDING_ID` pads);
 * - `numeric` float32 `[B, numericColumns]` (absent without scalar numeric
 *   features), the already transformed values;
 * - `scenario` int32 `[B, 1]`.
 * Output: float32 `[B, tasks]`, click probabilities in `ir.tasks` order.
 */

/** File names of an exported model. */
export const MODEL_FILE = "model.json";
export const WEIGHTS_FILE = "group1-shard1of1.bin";

/** Backbone builders the export layer uses, by kind; filled before a model is built or loaded. */
const backboneFactories = new Map<string, BackboneFactory>();

/** An id column block of the `ids` input. */
interface IdBlock {
  readonly feature: FeatureIr;
  readonly table: string;
  readonly column: number;
  readonly width: number;
}

/** Returns where each feature reads its columns in the model inputs. */
function inputLayout(ir: ModelIr): {
  ids: IdBlock[];
  numeric: string[];
  idColumns: number;
} {
  const ids: IdBlock[] = [];
  const numeric: string[] = [];
  let column = 0;
  for (const feature of ir.features) {
    if (feature.kind === "numeric" && feature.transform.kind !== "buckets") {
      numeric.push(feature.name);
      continue;
    }
    const table =
      feature.kind === "numeric"
        ? (feature.transform as { table: string }).table
        : feature.table;
    const width = feature.kind === "multi" ? feature.maxLength : 1;
    ids.push({ feature, table, column, width });
    column += width;
  }
  return { ids, numeric, idColumns: column };
}

/**
 * Serializable settings of both layers. tfjs-layers rewrites every string
 * of a layer config between camelCase and snake_case when it saves and
 * loads, so JSON text is stored hex-encoded: lowercase hex digits pass
 * through both rewrites unchanged.
 */
interface HmdnLayerConfig extends tf.serialization.ConfigDict {
  /** The model IR as hex-encoded JSON text. */
  ir: string;
  /** Table rows by table name, as hex-encoded JSON text. */
  tableRows: string;
  scenarios: number;
}

/** Encodes `value` as hex-encoded JSON text. */
function encodeConfig(value: unknown): string {
  return Buffer.from(JSON.stringify(value), "utf8").toString("hex");
}

/** Decodes text written by `encodeConfig`. */
function decodeConfig<T>(text: string): T {
  return JSON.parse(Buffer.from(text, "hex").toString("utf8")) as T;
}

interface HmdnLayerArgs {
  name?: string;
  trainable?: boolean;
  ir: string;
  tableRows: string;
  scenarios: number;
}

/** Gathers and pools the embedding rows of the `ids` input into `E`. */
export class HmdnEmbedding extends tf.layers.Layer {
  static className = "HmdnEmbedding";
  private readonly settings: HmdnLayerArgs;
  private readonly model: ModelIr;
  private readonly rows: Record<string, number>;
  private readonly tableWeights = new Map<string, tf.LayerVariable>();

  constructor(args: HmdnLayerArgs) {
    super({ name: args.name, trainable: false });
    this.settings = args;
    this.model = decodeConfig<ModelIr>(args.ir);
    this.rows = decodeConfig<Record<string, number>>(args.tableRows);
  }

  override build(): void {
    for (const table of this.model.tables) {
      const rows = this.rows[table.name];
      this.tableWeights.set(
        table.name,
        this.addWeight(
          `embedding/${table.name}`,
          [rows, table.dim],
          "float32",
          tf.initializers.zeros(),
          undefined,
          false,
        ),
      );
    }
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const batch = (inputShape as tf.Shape[])[0][0];
    return [batch, embeddingWidth(this.model)];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const list = Array.isArray(inputs) ? inputs : [inputs];
      // Limitation: LayersModel.predict may hand the ids over as float32,
      // which keeps row ids exact only up to 2^24.
      const ids = tf.cast(list[0], "int32") as tf.Tensor2D;
      const numeric = list.length > 1 ? (list[1] as tf.Tensor2D) : null;
      const layout = inputLayout(this.model);
      const columns = new Map<string, tf.Tensor2D>();
      for (const block of layout.ids) {
        const table = this.tableWeights.get(block.table)!.read() as tf.Tensor2D;
        const slice = tf.slice(ids, [0, block.column], [-1, block.width]);
        if (block.feature.kind !== "multi") {
          columns.set(
            block.feature.name,
            tf.gather(table, tf.reshape(slice, [-1])) as tf.Tensor2D,
          );
          continue;
        }
        const present = tf.notEqual(slice, PADDING_ID);
        const rows = tf.gather(
          table,
          tf.maximum(slice, tf.scalar(0, "int32")),
        ) as unknown as tf.Tensor3D;
        const weight = tf.expandDims(tf.cast(present, "float32"), 2);
        const count = tf.sum(weight, 1);
        let pooled: tf.Tensor;
        if (block.feature.pooling === "max") {
          const masked = tf.where(
            tf.broadcastTo(tf.expandDims(present, 2), rows.shape),
            rows,
            tf.fill(rows.shape, -Infinity),
          );
          pooled = tf.where(
            tf.greater(
              tf.broadcastTo(count, [rows.shape[0], rows.shape[2]]),
              0,
            ),
            tf.max(masked, 1),
            tf.zeros([rows.shape[0], rows.shape[2]]),
          );
        } else {
          pooled = tf.sum(tf.mul(rows, weight), 1);
          if (block.feature.pooling === "mean") {
            pooled = tf.div(pooled, tf.maximum(count, 1));
          }
        }
        columns.set(block.feature.name, pooled as tf.Tensor2D);
      }
      layout.numeric.forEach((name, k) => {
        columns.set(
          name,
          tf.slice(numeric as tf.Tensor2D, [0, k], [-1, 1]) as tf.Tensor2D,
        );
      });
      return tf.concat(
        this.model.features.map((feature) => columns.get(feature.name)!),
        1,
      );
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    const config: HmdnLayerConfig = {
      ir: this.settings.ir,
      tableRows: this.settings.tableRows,
      scenarios: this.settings.scenarios,
    };
    return { ...super.getConfig(), ...config };
  }
}

/** Returns the width of `E` for `ir`. */
function embeddingWidth(ir: ModelIr): number {
  const dims = new Map(ir.tables.map((table) => [table.name, table.dim]));
  let width = 0;
  for (const feature of ir.features) {
    if (feature.kind === "numeric" && feature.transform.kind !== "buckets") {
      width += 1;
    } else if (feature.kind === "numeric") {
      width += dims.get((feature.transform as { table: string }).table)!;
    } else {
      width += dims.get(feature.table)!;
    }
  }
  return width;
}

/** Feature slices of `E`, the same layout the training network uses. */
function featureSlices(
  ir: ModelIr,
): Record<string, { offset: number; width: number }> {
  const slices: Record<string, { offset: number; width: number }> = {};
  let offset = 0;
  for (const feature of ir.features) {
    const one: ModelIr = { ...ir, features: [feature] };
    const width = embeddingWidth(one);
    slices[feature.name] = { offset, width };
    offset += width;
  }
  return slices;
}

/** Runs views, quantizer and backbone in inference mode: `[E, scenario]` to probabilities. */
export class HmdnCore extends tf.layers.Layer {
  static className = "HmdnCore";
  private readonly settings: HmdnLayerArgs;
  private readonly model: ModelIr;
  private core: ModelCore | null = null;

  constructor(args: HmdnLayerArgs) {
    super({ name: args.name, trainable: false });
    this.settings = args;
    this.model = decodeConfig<ModelIr>(args.ir);
  }

  override build(): void {
    const factory = backboneFactories.get(this.model.backbone.kind);
    if (factory === undefined) {
      throw new Error(
        `backbone "${this.model.backbone.kind}" is not loaded; load the model with loadExportedModel`,
      );
    }
    const weights: WeightFactory = {
      weight: (name, shape) => this.makeWeight(name, shape),
      state: (name, shape) => this.makeWeight(name, shape),
    };
    this.core = new ModelCore({
      ir: this.model,
      scenarios: this.settings.scenarios,
      inputDim: embeddingWidth(this.model),
      featureSlices: featureSlices(this.model),
      weights,
      // Only the codebook initialisation draws from it, which inference never runs.
      random: new Random(0),
      backbone: factory,
    });
    this.built = true;
  }

  private makeWeight(name: string, shape: readonly number[]): tf.Variable {
    const variable = this.addWeight(
      name,
      [...shape],
      "float32",
      tf.initializers.zeros(),
      undefined,
      false,
    );
    return variable.read() as tf.Variable;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const batch = (inputShape as tf.Shape[])[0][0];
    return [batch, this.model.tasks.length];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const [embeddings, scenario] = inputs as tf.Tensor[];
      const rows = embeddings.shape[0];
      const { logits } = (this.core as ModelCore).forward(
        embeddings as tf.Tensor2D,
        tf.reshape(tf.cast(scenario, "int32"), [rows]) as tf.Tensor1D,
        tf.ones([rows]) as tf.Tensor1D,
        false,
        (x) => x,
      );
      return tf.stack(
        logits.map((l) => tf.sigmoid(l)),
        1,
      );
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    const config: HmdnLayerConfig = {
      ir: this.settings.ir,
      tableRows: this.settings.tableRows,
      scenarios: this.settings.scenarios,
    };
    return { ...super.getConfig(), ...config };
  }

  override dispose(): ReturnType<tf.layers.Layer["dispose"]> {
    this.core?.dispose();
    return super.dispose();
  }
}

tf.serialization.registerClass(HmdnEmbedding);
tf.serialization.registerClass(HmdnCore);

/** Builds the untrained layers model for `ir`; weights are set by the caller. */
function buildLayersModel(
  ir: ModelIr,
  tableRows: Readonly<Record<string, number>>,
  scenarios: number,
): tf.LayersModel {
  const args: HmdnLayerArgs = {
    ir: encodeConfig(ir),
    tableRows: encodeConfig(tableRows),
    scenarios,
  };
  const layout = inputLayout(ir);
  const ids = tf.input({
    shape: [layout.idColumns],
    dtype: "int32",
    name: "ids",
  });
  const inputs = [ids];
  if (layout.numeric.length > 0) {
    inputs.push(tf.input({ shape: [layout.numeric.length], name: "numeric" }));
  }
  const scenario = tf.input({ shape: [1], dtype: "int32", name: "scenario" });
  const embedding = new HmdnEmbedding({
    ...args,
    name: "hmdn_embedding",
  }).apply(inputs) as tf.SymbolicTensor;
  const output = new HmdnCore({ ...args, name: "hmdn_core" }).apply([
    embedding,
    scenario,
  ]) as tf.SymbolicTensor;
  return tf.model({
    inputs: [...inputs, scenario],
    outputs: output,
    name: ir.name,
  });
}

/** Returns the exported model's input tensors for `batch` (see the file comment for the layout). */
export function exportedModelInputs(ir: ModelIr, batch: Batch): tf.Tensor[] {
  const layout = inputLayout(ir);
  const size = batch.size;
  const ids = new Int32Array(size * layout.idColumns);
  for (const block of layout.ids) {
    const source =
      block.feature.kind === "multi"
        ? batch.multi[block.feature.name]
        : batch.categorical[block.feature.name];
    for (let i = 0; i < size; i++) {
      for (let k = 0; k < block.width; k++) {
        ids[i * layout.idColumns + block.column + k] =
          source[i * block.width + k];
      }
    }
  }
  const tensors: tf.Tensor[] = [
    tf.tensor2d(ids, [size, layout.idColumns], "int32"),
  ];
  if (layout.numeric.length > 0) {
    const values = new Float32Array(size * layout.numeric.length);
    layout.numeric.forEach((name, k) => {
      const column = batch.numeric[name];
      for (let i = 0; i < size; i++)
        values[i * layout.numeric.length + k] = column[i];
    });
    tensors.push(tf.tensor2d(values, [size, layout.numeric.length]));
  }
  tensors.push(tf.tensor2d(batch.scenario, [size, 1], "int32"));
  return tensors;
}

/** Joins tfjs weight data, which 4.x may hand over as several buffers. */
function joinBuffers(data: ArrayBuffer | ArrayBuffer[]): Uint8Array {
  const parts = Array.isArray(data) ? data : [data];
  const total = parts.reduce((sum, part) => sum + part.byteLength, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    out.set(new Uint8Array(part), offset);
    offset += part.byteLength;
  }
  return out;
}

/** Writes `data` to `file` through a temporary sibling and a rename, so readers never see half a file. */
async function writeAtomically(
  file: string,
  data: string | Uint8Array,
): Promise<void> {
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    await writeFile(temporary, data);
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

/**
 * Saves `model` to `directory` as `model.json` and one weight shard. The
 * shard is written first, so a `model.json` on disk always names a
 * complete shard.
 */
async function saveLayersModel(
  model: tf.LayersModel,
  directory: string,
): Promise<void> {
  await mkdir(directory, { recursive: true });
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      if (
        artifacts.weightData === undefined ||
        artifacts.weightSpecs === undefined
      ) {
        throw new Error("tfjs produced no weights to save");
      }
      await writeAtomically(
        path.join(directory, WEIGHTS_FILE),
        joinBuffers(artifacts.weightData as ArrayBuffer | ArrayBuffer[]),
      );
      const json = {
        format: artifacts.format ?? "layers-model",
        generatedBy:
          artifacts.generatedBy ??
          `TensorFlow.js tfjs-layers v${tf.version_layers}`,
        convertedBy: "hmdnc",
        modelTopology: artifacts.modelTopology,
        weightsManifest: [
          { paths: [WEIGHTS_FILE], weights: artifacts.weightSpecs },
        ],
      };
      await writeAtomically(
        path.join(directory, MODEL_FILE),
        `${JSON.stringify(json)}\n`,
      );
      return {
        modelArtifactsInfo: {
          dateSaved: new Date(),
          modelTopologyType: "JSON",
        },
      };
    }),
  );
}

/** Copies the network's current weights into `model`, matching by name. */
function copyWeights(network: HmdnNetwork, model: tf.LayersModel): void {
  const values = new Map<string, tf.Tensor>();
  for (const entry of network.params.all())
    values.set(entry.name, entry.variable);
  for (const table of network.features.tables.values()) {
    values.set(
      `embedding/${table.name}`,
      tf.tensor2d(table.values, [table.rows, table.dim]),
    );
  }
  const created: tf.Tensor[] = [];
  for (const layer of model.layers) {
    for (const weight of layer.weights) {
      // Layer weights are named `<layer>/<network name>`.
      const name = weight.originalName.slice(layer.name.length + 1);
      const value = values.get(name);
      if (value === undefined) {
        throw new Error(
          `exported weight "${weight.originalName}" has no network value`,
        );
      }
      weight.write(value);
    }
  }
  for (const table of network.features.tables.values()) {
    created.push(values.get(`embedding/${table.name}`)!);
  }
  tf.dispose(created);
}

/** Writes `network` to `directory` in the tfjs layers format. */
export async function exportNetwork(
  network: HmdnNetwork,
  directory: string,
  factory: BackboneFactory,
): Promise<void> {
  backboneFactories.set(network.ir.backbone.kind, factory);
  const tableRows = Object.fromEntries(
    [...network.features.tables.values()].map((table) => [
      table.name,
      table.rows,
    ]),
  );
  const model = buildLayersModel(
    network.ir,
    tableRows,
    Math.max(1, network.pre.scenarios.length),
  );
  try {
    copyWeights(network, model);
    await saveLayersModel(model, directory);
  } finally {
    model.dispose();
  }
}

/**
 * Loads a model written by `exportTfjs` from `directory`, in a process
 * that need not have trained it. `backbone` overrides the registered
 * builder for the model's backbone kind.
 */
export async function loadExportedModel(
  directory: string,
  backbone?: BackboneFactory,
): Promise<tf.LayersModel> {
  const json = JSON.parse(
    await readFile(path.join(directory, MODEL_FILE), "utf8"),
  ) as {
    modelTopology: {
      config: { layers: { class_name: string; config: HmdnLayerConfig }[] };
    };
    weightsManifest: {
      paths: string[];
      weights: tf.io.WeightsManifestEntry[];
    }[];
    format?: string;
    generatedBy?: string;
    convertedBy?: string;
  };
  const coreLayer = json.modelTopology.config.layers.find(
    (layer) => layer.class_name === HmdnCore.className,
  );
  if (coreLayer === undefined) {
    throw new Error(
      `${path.join(directory, MODEL_FILE)} is not an hmdnc export: no HmdnCore layer`,
    );
  }
  const kind = decodeConfig<ModelIr>(coreLayer.config.ir).backbone.kind;
  backboneFactories.set(kind, backbone ?? defaultBackbone(kind));
  const weightSpecs = json.weightsManifest.flatMap((group) => group.weights);
  const buffers = await Promise.all(
    json.weightsManifest.flatMap((group) =>
      group.paths.map((file) => readFile(path.join(directory, file))),
    ),
  );
  const weightData = joinBuffers(
    buffers.map(
      (buffer) =>
        buffer.buffer.slice(
          buffer.byteOffset,
          buffer.byteOffset + buffer.byteLength,
        ) as ArrayBuffer,
    ),
  ).buffer as ArrayBuffer;
  return tf.loadLayersModel({
    load: async () => ({
      modelTopology:
        json.modelTopology as unknown as tf.io.ModelArtifacts["modelTopology"],
      weightSpecs,
      weightData,
      format: json.format,
      generatedBy: json.generatedBy,
      convertedBy: json.convertedBy,
    }),
  });
}

/**
 * Writes an initialised, untrained model for `ir` to `directory` (what
 * `hmdnc compile --emit tfjs` emits next to the IR). Weights come from the
 * IR's training seed, so they equal those of a fresh training run.
 */
export async function writeInitialModel(
  ir: ModelIr,
  pre: Preprocessing,
  directory: string,
  options: { backend?: string; log?: (message: string) => void } = {},
): Promise<void> {
  const { createNetwork } = await import("./network.js");
  const network = await createNetwork(ir, pre, options);
  try {
    await network.exportTfjs(directory);
  } finally {
    network.dispose();
  }
}

/** The initializer type, re-exported for layer users. */
export type { Initializer };
