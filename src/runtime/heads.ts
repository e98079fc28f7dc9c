import * as tf from "@tensorflow/tfjs";

/**
 * Returns the per-row binary cross-entropy of `logits` against 0/1
 * `labels`, in the overflow-free form `max(x, 0) - x y + log1p(exp(-|x|))`,
 * which stays finite for logits of any size.
 */
export function bceFromLogits(
  logits: tf.Tensor1D,
  labels: tf.Tensor1D,
): tf.Tensor1D {
  return tf.add(
    tf.sub(tf.relu(logits), tf.mul(logits, labels)),
    tf.log1p(tf.exp(tf.neg(tf.abs(logits)))),
  ) as tf.Tensor1D;
}

/**
 * Returns the weighted mean of `values` `[B]`: `sum w_i v_i / sum w_i`, so
 * rows of weight 0 do not count; 0 when every weight is 0.
 */
export function weightedMean(
  values: tf.Tensor1D,
  weights: tf.Tensor1D,
): tf.Scalar {
  return tf.div(
    tf.sum(tf.mul(values, weights)),
    tf.maximum(tf.sum(weights), 1e-12),
  ) as tf.Scalar;
}
