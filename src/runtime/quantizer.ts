import * as tf from "@tensorflow/tfjs";
import type { HierarchyIr } from "../compiler/ir.js";
import { batchedLinear, linear, oneHotFloat, withoutTape } from "./ops.js";
import type { WeightFactory } from "./core.js";
import type { Random } from "./random.js";
import type { QuantizerLevelStats } from "./types.js";

/**
 * The HMDN residual quantizer: D levels over one shared codebook (or one
 * codebook per level) turn the view vector `x` into the coarse-to-fine
 * vector `s_D`.
 *
 * Per level, `c_d = argmin_k ||r_{d-1} - e_k||^2` on stopped gradients,
 * `r_d = r_{d-1} - e_{c_d}`, `s_d = e_{c_1} + ... + e_{c_d}`. The output is
 * the straight-through `x + sg(s_D - x)`. Codes are looked up as
 * `oneHot(c) @ C` rather than `gather(C, c)` so the codebook gradient
 * (gradient update mode) needs no `UnsortedSegmentSum`, which the wasm
 * backend lacks.
 */

/**
 * Decay of the moving-average code counts when the codebook is trained by
 * gradient.
 */
// Limitation: the IR sets a decay only for the EMA update, so this one is fixed.
export const GRADIENT_MODE_COUNT_DECAY = 0.99;

/** The tensors one quantizer forward pass produces. */
export interface QuantizerOutput {
  /** `x + sg(s_D - x)`: forward value `s_D`, gradient straight to `x`. */
  readonly hierarchy: tf.Tensor2D;
  /** `(1/D) sum_d sum_i w_i ||x_i - sg(s_d,i)||^2 / sum_i w_i`, before beta. */
  readonly commitLoss: tf.Scalar;
  /** `sum_d sum_i w_i ||sg(r_{d-1},i) - e_{c_d,i}||^2 / sum_i w_i`, or `null` in EMA mode. */
  readonly codebookLoss: tf.Scalar | null;
  /** The code of every row at every level, int32 `[B, D]`. */
  readonly codes: tf.Tensor2D;
  /** `oneHot(c_d)` of all levels stacked level-major, float32 `[D * B, K]`. */
  readonly oneHots: tf.Tensor2D;
  /** `sg(r_{d-1})` of all levels stacked level-major, `[D * B, codeDim]`. */
  readonly residuals: tf.Tensor2D;
}

/** A residual quantizer with its codebooks and moving statistics. */
export class ResidualQuantizer {
  readonly levels: number;
  readonly size: number;
  readonly dim: number;
  /** One codebook `[K, codeDim]` when shared, else one per level. */
  readonly codebooks: tf.Variable[];
  /** Moving-average code counts per level `[D, K]`. */
  private readonly emaCount: tf.Variable;
  /** Moving-average sums of the assigned residuals, per codebook (EMA mode). */
  private readonly emaSums: tf.Variable[];
  /** 1 once the codebooks were initialised from a batch. */
  private readonly initializedFlag: tf.Variable;
  /** Code counts per level since the last stats read (not saved). */
  private readonly windowCounts: tf.Variable;
  /** Resets per codebook since the last stats read (not saved). */
  private readonly windowResets: tf.Variable;
  private initialized = false;

  constructor(
    readonly ir: HierarchyIr,
    params: WeightFactory,
    private readonly random: Random,
  ) {
    this.levels = ir.levels;
    this.size = ir.codebookSize;
    this.dim = ir.codeDim;
    const books = ir.codebooks === "shared" ? 1 : ir.levels;
    const trainable = ir.update.kind === "gradient";
    this.codebooks = [];
    this.emaSums = [];
    for (let b = 0; b < books; b++) {
      const name =
        books === 1 ? "hierarchy/codebook" : `hierarchy/codebook_${b}`;
      // Codebooks are placeholders until the first batch initialises them.
      const shape = [this.size, this.dim];
      const placeholder = { kind: "normal", std: 1 } as const;
      this.codebooks.push(
        trainable
          ? params.weight(name, shape, placeholder, false)
          : params.state(name, shape, placeholder),
      );
      if (ir.update.kind === "ema") {
        this.emaSums.push(
          params.state(`${name}/ema_sum`, [this.size, this.dim], "zeros"),
        );
      }
    }
    this.emaCount = params.state(
      "hierarchy/ema_count",
      [this.levels, this.size],
      "zeros",
    );
    this.initializedFlag = params.state("hierarchy/initialized", [1], "zeros");
    this.windowCounts = tf.variable(tf.zeros([this.levels, this.size]), false);
    this.windowResets = tf.variable(tf.zeros([books]), false);
  }

  /** Whether the codebooks hold values from data (reads the saved flag after `setState`). */
  get isInitialized(): boolean {
    return this.initialized;
  }

  /** Re-reads the initialised flag, after state was restored. */
  syncFromState(): void {
    this.initialized = this.initializedFlag.dataSync()[0] > 0.5;
  }

  /** Returns the codebook that level `level` (0-based) reads. */
  codebookAt(level: number): tf.Variable {
    return this.codebooks.length === 1
      ? this.codebooks[0]
      : this.codebooks[level];
  }

  /**
   * Quantizes `x` `[B, codeDim]`. `rowWeights` `[B]` weights the losses;
   * rows of weight 0 do not count. Call inside a tidy or gradient scope.
   *
   * The code search runs with the tape paused, and the levels are stacked
   * so the losses take a handful of kernels whatever D is: on wasm the
   * per-kernel overhead, not the arithmetic, dominates at this size.
   */
  forward(x: tf.Tensor2D, rowWeights: tf.Tensor1D): QuantizerOutput {
    const batch = x.shape[0];
    const search = withoutTape(() => {
      const books = this.codebooks.map((book) => ({
        book: book as tf.Tensor2D,
        // argmin_k ||r - e_k||^2 = argmin_k (||e_k||^2 - 2 r.e_k): the
        // ||r||^2 term is the same for every code.
        doubledTranspose: tf.mul(tf.transpose(book), 2) as tf.Tensor2D,
        norms: tf.sum(tf.square(book), 1),
      }));
      let residual = tf.clone(x);
      const codes: tf.Tensor1D[] = [];
      const oneHots: tf.Tensor2D[] = [];
      const residuals: tf.Tensor2D[] = [];
      for (let d = 0; d < this.levels; d++) {
        const { book, doubledTranspose, norms } =
          books.length === 1 ? books[0] : books[d];
        const distances = tf.sub(norms, tf.matMul(residual, doubledTranspose));
        const code = tf.argMin(distances, 1) as tf.Tensor1D;
        const oneHot = oneHotFloat(code, this.size);
        codes.push(code);
        oneHots.push(oneHot);
        residuals.push(residual);
        residual = tf.sub(residual, tf.matMul(oneHot, book));
      }
      // s_d = x - r_d, stacked [D, B, codeDim]; the output offset is -r_D.
      const fixedX = tf.expandDims(x, 0);
      const nextResiduals = tf.stack([...residuals.slice(1), residual]);
      return {
        codes: tf.stack(codes, 1) as tf.Tensor2D,
        oneHots: tf.concat(oneHots) as tf.Tensor2D,
        residuals: tf.concat(residuals) as tf.Tensor2D,
        partialSums: tf.sub(fixedX, nextResiduals) as tf.Tensor3D,
        offset: tf.neg(residual) as tf.Tensor2D,
      };
    });
    const normalized = tf.div(
      rowWeights,
      tf.maximum(tf.sum(rowWeights), 1e-12),
    ) as tf.Tensor1D;
    const hierarchy = tf.add(x, search.offset) as tf.Tensor2D;
    const perRow = tf.sum(
      tf.square(tf.sub(tf.expandDims(x, 0), search.partialSums)),
      2,
    );
    const commitLoss = tf.div(
      tf.sum(tf.mul(perRow, normalized)),
      this.levels,
    ) as tf.Scalar;
    let codebookLoss: tf.Scalar | null = null;
    if (this.ir.update.kind === "gradient") {
      let quantized: tf.Tensor2D;
      if (this.codebooks.length === 1) {
        quantized = linear(search.oneHots, this.codebooks[0] as tf.Tensor2D);
      } else {
        const perLevel = batchedLinear(
          tf.reshape(search.oneHots, [this.levels, batch, this.size]),
          tf.stack(this.codebooks) as tf.Tensor3D,
        );
        quantized = tf.reshape(perLevel, [-1, this.dim]) as tf.Tensor2D;
      }
      const codeError = tf.reshape(
        tf.sum(tf.square(tf.sub(search.residuals, quantized)), 1),
        [this.levels, batch],
      );
      codebookLoss = tf.sum(tf.mul(codeError, normalized)) as tf.Scalar;
    }
    return {
      hierarchy,
      commitLoss,
      codebookLoss,
      codes: search.codes,
      oneHots: search.oneHots,
      residuals: search.residuals,
    };
  }

  /** Returns the quantizer's share of the total loss: `beta * commit (+ weight * codebook)`. */
  lossTerm(output: QuantizerOutput): tf.Scalar {
    let term = tf.mul(output.commitLoss, this.ir.beta) as tf.Scalar;
    if (output.codebookLoss !== null && this.ir.update.kind === "gradient") {
      term = tf.add(term, tf.mul(output.codebookLoss, this.ir.update.weight));
    }
    return term;
  }

  /**
   * Initialises every codebook from the residuals of `x` (host values,
   * `[rows, codeDim]`, only rows that count): k-means++ or random picks
   * from the seeded generator. A per-level codebook starts from the
   * residual its level sees; a shared codebook takes about K / D codes
   * from each level's residual.
   */
  initialize(x: Float32Array, rows: number): void {
    const dim = this.dim;
    const K = this.size;
    let residual: Float32Array = x.slice(0, rows * dim);
    const counts = new Float32Array(this.levels * K);
    const pick = (points: Float32Array, count: number): Float32Array =>
      this.ir.init === "kmeans++"
        ? kmeansPlusPlus(points, rows, dim, count, this.random)
        : randomPicks(points, rows, dim, count, this.random);
    const books: Float32Array[] = [];
    if (this.codebooks.length > 1) {
      for (let d = 0; d < this.levels; d++) {
        const book = pick(residual, K);
        books.push(book);
        residual = subtractNearest(residual, rows, dim, book, K, null);
      }
    } else {
      // A shared codebook serves residuals of every scale, so each level
      // contributes about K / D codes picked from its own residual (the
      // residual after the codes chosen so far); codes from x alone would
      // all be coarse, and the deeper levels would share one code.
      const book = new Float32Array(K * dim);
      let filled = 0;
      for (let d = 0; d < this.levels && filled < K; d++) {
        const count =
          Math.floor(K / this.levels) + (d < K % this.levels ? 1 : 0);
        if (count === 0) continue;
        book.set(pick(residual, count), filled * dim);
        filled += count;
        residual = subtractNearest(
          residual,
          rows,
          dim,
          book.subarray(0, filled * dim),
          filled,
          null,
        );
      }
      books.push(book);
    }
    // Initial moving counts: the counts the initial codebooks give this
    // batch, so the EMA starts from a consistent state.
    residual = x.slice(0, rows * dim);
    for (let d = 0; d < this.levels; d++) {
      const book = books.length === 1 ? books[0] : books[d];
      const levelCounts = new Float32Array(K);
      residual = subtractNearest(residual, rows, dim, book, K, levelCounts);
      counts.set(levelCounts, d * K);
    }
    tf.tidy(() => {
      for (let b = 0; b < this.codebooks.length; b++) {
        this.codebooks[b].assign(tf.tensor2d(books[b], [K, dim]));
        if (this.emaSums.length > 0) {
          const total = new Float32Array(K);
          for (let d = 0; d < this.levels; d++) {
            if (books.length === 1 || d === b) {
              for (let k = 0; k < K; k++) total[k] += counts[d * K + k];
            }
          }
          const sums = new Float32Array(K * dim);
          for (let k = 0; k < K; k++) {
            for (let j = 0; j < dim; j++)
              sums[k * dim + j] = books[b][k * dim + j] * total[k];
          }
          this.emaSums[b].assign(tf.tensor2d(sums, [K, dim]));
        }
      }
      this.emaCount.assign(tf.tensor2d(counts, [this.levels, K]));
      this.initializedFlag.assign(tf.ones([1]));
    });
    this.initialized = true;
  }

  /**
   * Updates the moving statistics after a training step: code counts, the
   * EMA codebook (decay, Laplace smoothing) and dead-code resets.
   * `mask` `[B]` is 1 for rows that count, `resetRows` contains per codebook K
   * random row indices into the concatenated residuals of that codebook's
   * levels (drawn on the host among the rows that count). `onReset`
   * receives each codebook with its bool mask `[K]` of reset codes, so the
   * optimizer can clear their slots in gradient mode.
   */
  updateStatistics(
    output: QuantizerOutput,
    mask: tf.Tensor1D,
    resetRows: Int32Array[],
    onReset?: (codebook: tf.Variable, reset: tf.Tensor1D) => void,
  ): void {
    const K = this.size;
    const D = this.levels;
    const batch = mask.shape[0];
    tf.tidy(() => {
      const decay =
        this.ir.update.kind === "ema"
          ? this.ir.update.decay
          : GRADIENT_MODE_COUNT_DECAY;
      const masked = tf.mul(
        output.oneHots,
        tf.reshape(tf.tile(mask, [D]), [-1, 1]),
      ) as tf.Tensor2D;
      const batchCounts = tf.sum(tf.reshape(masked, [D, batch, K]), 1);
      this.windowCounts.assign(tf.add(this.windowCounts, batchCounts));
      const emaCount = tf.add(
        tf.mul(this.emaCount, decay),
        tf.mul(batchCounts, 1 - decay),
      ) as tf.Tensor2D;
      // Per codebook: the summed residuals assigned to each code, [K, dim].
      let batchSums: tf.Tensor2D[] = [];
      if (this.ir.update.kind === "ema") {
        if (this.codebooks.length === 1) {
          batchSums = [linear(tf.transpose(masked), output.residuals)];
        } else {
          const perLevel = batchedLinear(
            tf.transpose(tf.reshape(masked, [D, batch, K]), [0, 2, 1]),
            tf.reshape(output.residuals, [D, batch, this.dim]),
          );
          batchSums = tf.unstack(perLevel) as tf.Tensor2D[];
        }
      }
      const countRows =
        this.codebooks.length === 1
          ? [emaCount]
          : (tf.split(emaCount, D) as tf.Tensor2D[]);
      const resetsPerBook: tf.Tensor[] = [];
      for (let b = 0; b < this.codebooks.length; b++) {
        const levelCount = this.codebooks.length === 1 ? D : 1;
        // The moving count of each code over the levels that read it, [K].
        const bookCount = tf.sum(countRows[b], 0) as tf.Tensor1D;
        let book: tf.Tensor2D = this.codebooks[b] as tf.Tensor2D;
        let emaSum: tf.Tensor2D | null = null;
        if (this.ir.update.kind === "ema") {
          const { epsilon } = this.ir.update;
          emaSum = tf.add(
            tf.mul(this.emaSums[b], decay),
            tf.mul(batchSums[b], 1 - decay),
          ) as tf.Tensor2D;
          const total = tf.sum(bookCount);
          const smoothed = tf.mul(
            tf.div(tf.add(bookCount, epsilon), tf.add(total, K * epsilon)),
            total,
          );
          book = tf.div(emaSum, tf.reshape(smoothed, [-1, 1])) as tf.Tensor2D;
        }
        if (this.ir.deadCodes.reset) {
          const { threshold } = this.ir.deadCodes;
          const dead = tf.less(bookCount, threshold);
          const deadColumn = tf.reshape(dead, [-1, 1]);
          const pool =
            this.codebooks.length === 1
              ? output.residuals
              : tf.slice(output.residuals, [b * batch, 0], [batch, -1]);
          const replacement = tf.gather(
            pool,
            tf.tensor1d(resetRows[b], "int32"),
          );
          // A reset code starts with the average count, so it gets the same
          // grace period as the codes of the initial codebook.
          const fresh = tf.maximum(tf.div(tf.sum(bookCount), K), threshold);
          book = tf.where(deadColumn, replacement, book) as tf.Tensor2D;
          if (emaSum !== null) {
            emaSum = tf.where(
              deadColumn,
              tf.mul(replacement, fresh),
              emaSum,
            ) as tf.Tensor2D;
          }
          countRows[b] = tf.where(
            tf.reshape(dead, [1, K]),
            tf.broadcastTo(tf.div(fresh, levelCount), [levelCount, K]),
            countRows[b],
          ) as tf.Tensor2D;
          resetsPerBook.push(tf.sum(tf.cast(dead, "float32")));
          onReset?.(this.codebooks[b], dead as tf.Tensor1D);
        }
        if (book !== this.codebooks[b]) this.codebooks[b].assign(book);
        if (emaSum !== null) this.emaSums[b].assign(emaSum);
      }
      this.emaCount.assign(
        countRows.length === 1 ? countRows[0] : tf.concat(countRows),
      );
      if (resetsPerBook.length > 0) {
        this.windowResets.assign(
          tf.add(this.windowResets, tf.stack(resetsPerBook)),
        );
      }
    });
  }

  /** Returns the levels (0-based) that read codebook `book`. */
  levelsOf(book: number): number[] {
    if (this.codebooks.length === 1) {
      return Array.from({ length: this.levels }, (_, d) => d);
    }
    return [book];
  }

  /**
   * Returns per-level usage, perplexity, dead-code and reset counts over
   * the steps since the last read, and starts a new window. For a shared
   * codebook the dead-code count and the resets describe the one codebook
   * and are repeated at every level.
   */
  readStats(): QuantizerLevelStats[] {
    const K = this.size;
    const counts = this.windowCounts.dataSync();
    const ema = this.emaCount.dataSync();
    const resets = this.windowResets.dataSync();
    const stats: QuantizerLevelStats[] = [];
    for (let d = 0; d < this.levels; d++) {
      const book = this.codebooks.length === 1 ? 0 : d;
      const levels = this.levelsOf(book);
      let used = 0;
      let total = 0;
      for (let k = 0; k < K; k++) {
        const count = counts[d * K + k];
        if (count > 0) used += 1;
        total += count;
      }
      let entropy = 0;
      for (let k = 0; k < K && total > 0; k++) {
        const p = counts[d * K + k] / total;
        if (p > 0) entropy -= p * Math.log(p);
      }
      let dead = 0;
      for (let k = 0; k < K; k++) {
        let count = 0;
        for (const level of levels) count += ema[level * K + k];
        if (count < this.ir.deadCodes.threshold) dead += 1;
      }
      stats.push({
        level: d + 1,
        usage: used / K,
        perplexity: total > 0 ? Math.exp(entropy) : 0,
        deadCodes: dead,
        resets: resets[book],
      });
    }
    tf.tidy(() => {
      this.windowCounts.assign(tf.zerosLike(this.windowCounts));
      this.windowResets.assign(tf.zerosLike(this.windowResets));
    });
    return stats;
  }

  /** Frees the tensors the registry does not own. */
  dispose(): void {
    this.windowCounts.dispose();
    this.windowResets.dispose();
  }
}

/** Squared distance between row `i` of `points` and row `k` of `book`. */
function squaredDistance(
  points: Float32Array,
  i: number,
  book: Float32Array,
  k: number,
  dim: number,
): number {
  let sum = 0;
  for (let j = 0; j < dim; j++) {
    const diff = points[i * dim + j] - book[k * dim + j];
    sum += diff * diff;
  }
  return sum;
}

/** Returns the residual after the nearest code of `book`, adding the code counts to `counts`. */
function subtractNearest(
  points: Float32Array,
  rows: number,
  dim: number,
  book: Float32Array,
  K: number,
  counts: Float32Array | null,
): Float32Array {
  const out = new Float32Array(rows * dim);
  for (let i = 0; i < rows; i++) {
    let best = 0;
    let bestDistance = Infinity;
    for (let k = 0; k < K; k++) {
      const distance = squaredDistance(points, i, book, k, dim);
      if (distance < bestDistance) {
        bestDistance = distance;
        best = k;
      }
    }
    if (counts !== null) counts[best] += 1;
    for (let j = 0; j < dim; j++) {
      out[i * dim + j] = points[i * dim + j] - book[best * dim + j];
    }
  }
  return out;
}

/** Picks K rows uniformly (with replacement when there are fewer rows than codes). */
function randomPicks(
  points: Float32Array,
  rows: number,
  dim: number,
  K: number,
  random: Random,
): Float32Array {
  const book = new Float32Array(K * dim);
  for (let k = 0; k < K; k++) {
    const i = random.nextInt(rows);
    book.set(points.subarray(i * dim, (i + 1) * dim), k * dim);
  }
  return book;
}

/** k-means++ seeding (Arthur and Vassilvitskii, 2007): each next code is drawn with probability proportional to the squared distance to the nearest chosen one. */
function kmeansPlusPlus(
  points: Float32Array,
  rows: number,
  dim: number,
  K: number,
  random: Random,
): Float32Array {
  const book = new Float32Array(K * dim);
  const nearest = new Float64Array(rows).fill(Infinity);
  let pick = random.nextInt(rows);
  for (let k = 0; k < K; k++) {
    book.set(points.subarray(pick * dim, (pick + 1) * dim), k * dim);
    let total = 0;
    for (let i = 0; i < rows; i++) {
      const distance = squaredDistance(points, i, book, k, dim);
      if (distance < nearest[i]) nearest[i] = distance;
      total += nearest[i];
    }
    if (k + 1 === K) break;
    if (total <= 0) {
      // Every row already sits on a code: fall back to uniform picks.
      pick = random.nextInt(rows);
      continue;
    }
    let target = random.nextFloat() * total;
    pick = rows - 1;
    for (let i = 0; i < rows; i++) {
      target -= nearest[i];
      if (target < 0) {
        pick = i;
        break;
      }
    }
  }
  return book;
}
