import * as tf from "@tensorflow/tfjs";

/**
 * Matrix products whose gradients never use a transposed `matMul`.
 *
 * The stock gradient of `matMul(x, w)` computes `matMul(dy, w, false, true)`
 * and `matMul(x, dy, true, false)`. The tfjs wasm backend (4.22) runs those
 * transposed forms about 10x slower than an explicit `transpose` followed
 * by a plain `matMul`, so every dense layer goes through `linear` instead.
 * The values are the same products; only the kernel sequence differs.
 */
/**
 * Returns `x^T dy` transposing the narrower of `x` `[n, in]` and `dy`
 * `[n, out]`: when `out < in`, `(dy^T x)^T` moves fewer elements through
 * the wasm transpose kernel, which costs about as much as the product.
 */
function kernelGradient(x: tf.Tensor2D, dy: tf.Tensor2D): tf.Tensor2D {
  if (dy.shape[1] < x.shape[1]) {
    return tf.transpose(tf.matMul(tf.transpose(dy), x)) as tf.Tensor2D;
  }
  return tf.matMul(tf.transpose(x), dy);
}

const linearWithGradient = tf.customGrad(
  // tfjs types the custom function's parameters as one rest array.
  ((x: tf.Tensor, w: tf.Tensor, save: tf.GradSaveFunc) => {
    save([x, w]);
    return {
      value: tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [savedX, savedW] = saved as [tf.Tensor2D, tf.Tensor2D];
        const dx = tf.matMul(dy as tf.Tensor2D, tf.transpose(savedW));
        const dw = kernelGradient(savedX, dy as tf.Tensor2D);
        return [dx, dw];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0],
);

const linearBiasWithGradient = tf.customGrad(
  // tfjs types the custom function's parameters as one rest array.
  ((x: tf.Tensor, w: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
    save([x, w]);
    return {
      value: tf.fused.matMul({
        a: x as tf.Tensor2D,
        b: w as tf.Tensor2D,
        bias: b,
      }),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [savedX, savedW] = saved as [tf.Tensor2D, tf.Tensor2D];
        const dx = tf.matMul(dy as tf.Tensor2D, tf.transpose(savedW));
        const dw = kernelGradient(savedX, dy as tf.Tensor2D);
        // The bias gradient as `1^T dy`: on wasm a column sum over the
        // batch axis is ~15x slower than this product (batch 2048).
        const ones = tf.ones([1, dy.shape[0]]) as tf.Tensor2D;
        const db = tf.reshape(tf.matMul(ones, dy as tf.Tensor2D), [-1]);
        return [dx, dw, db];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0],
);

/**
 * Computes `x @ w (+ bias)` for `x: [n, in]`, `w: [in, out]`, `bias: [out]`
 * with a gradient that uses no transposed `matMul` and no column sum.
 */
export function linear(
  x: tf.Tensor2D,
  w: tf.Tensor2D,
  bias?: tf.Tensor1D,
): tf.Tensor2D {
  if (bias === undefined) return linearWithGradient(x, w) as tf.Tensor2D;
  return linearBiasWithGradient(x, w, bias) as tf.Tensor2D;
}

const batchedLinearWithGradient = tf.customGrad(
  // tfjs types the custom function's parameters as one rest array.
  ((x: tf.Tensor, w: tf.Tensor, save: tf.GradSaveFunc) => {
    save([x, w]);
    return {
      value: tf.matMul(x as tf.Tensor3D, w as tf.Tensor3D),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [savedX, savedW] = saved as [tf.Tensor3D, tf.Tensor3D];
        const dx = tf.matMul(
          dy as tf.Tensor3D,
          tf.transpose(savedW, [0, 2, 1]),
        );
        const dw = tf.matMul(
          tf.transpose(savedX, [0, 2, 1]),
          dy as tf.Tensor3D,
        );
        return [dx, dw];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0],
);

/**
 * Computes the batched product `x @ w` for `x: [b, n, in]`, `w: [b, in, out]`
 * with a transpose-free gradient. Per-sample generated weights (APG, M2M)
 * and stacked experts use it.
 */
export function batchedLinear(x: tf.Tensor3D, w: tf.Tensor3D): tf.Tensor3D {
  return batchedLinearWithGradient(x, w) as tf.Tensor3D;
}

/**
 * Runs `f` with the gradient tape paused, like `torch.no_grad`: the tensors
 * it returns have no history, so gradients neither flow through them nor
 * spend backward kernels on them. It sets the tape depth of the tfjs-core
 * 4.22 engine state (`EngineState.gradientDepth`, a public field) to 0 and
 * restores it afterwards; tfjs has no public switch for this.
 */
export function withoutTape<T>(f: () => T): T {
  const state = tf.engine().state;
  const depth = state.gradientDepth;
  state.gradientDepth = 0;
  try {
    return f();
  } finally {
    state.gradientDepth = depth;
  }
}

/**
 * Returns `x` with its gradient cut: the same values, recorded on no tape.
 * tfjs 4.22 has no `stopGradient` op.
 */
export function stopGradient<T extends tf.Tensor>(x: T): T {
  return withoutTape(() => tf.clone(x));
}

/**
 * Returns the float32 one-hot matrix `[n, depth]` of int32 `indices`.
 * Unlike `tf.oneHot` it accepts `depth` 1 (one scenario, one code).
 */
export function oneHotFloat(indices: tf.Tensor1D, depth: number): tf.Tensor2D {
  if (depth === 1) return tf.ones([indices.shape[0], 1]);
  // The cast stays: `tf.oneHot(.., "float32")` returns wrong values on the
  // wasm backend of tfjs 4.22 (the quantizer goldens fail with it).
  return tf.cast(tf.oneHot(indices, depth), "float32") as tf.Tensor2D;
}
