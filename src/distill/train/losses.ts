/**
 * Distillation losses as raw tfjs ops, so the training loop can differentiate them w.r.t. the student's parameters.
 * Every loss is a mean over rows (examples or token positions) and returns a scalar. Teacher tensors are constants:
 * gradients flow only into the student's logits / embeddings.
 */
import * as tf from '@tensorflow/tfjs';

/**
 * Sequence-level KD (Kim & Rush 2016): the student is trained by plain cross-entropy on the teacher's generated
 * tokens, L = −(1/N) Σ_n log softmax(z_n)[y_n], where y_n is the token the teacher emitted at position n.
 * `weights` (0/1 per row) masks positions that are not teacher tokens (e.g. the prompt).
 */
export function sequenceKdLoss(studentLogits: tf.Tensor2D, teacherTokens: tf.Tensor1D, weights?: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => {
    const logp = tf.logSoftmax(studentLogits);
    const picked = tf.sum(tf.mul(logp, tf.oneHot(tf.cast(teacherTokens, 'int32'), studentLogits.shape[1])), 1);
    return weightedMean(tf.neg(picked), weights);
  });
}

/**
 * Hinton KD (Hinton et al. 2015): L = α · T² · KL(softmax(t/T) ‖ softmax(z/T)) + (1 − α) · CE(y, softmax(z)).
 * The T² factor keeps the soft term's gradient magnitude independent of T (its gradient scales as 1/T²), so α keeps
 * the same meaning at any temperature. `teacherLogits` may be log-probabilities (logits up to a constant per row).
 * `hardLabels` are class ids; with α = 1 they are ignored and may be omitted.
 */
export function hintonKdLoss(
  studentLogits: tf.Tensor2D,
  teacherLogits: tf.Tensor2D,
  options: { temperature: number; alpha: number; hardLabels?: tf.Tensor1D },
): tf.Scalar {
  const { temperature: t, alpha } = options;
  if (!(t > 0)) throw new RangeError(`temperature must be > 0, got ${t}`);
  if (!(alpha >= 0 && alpha <= 1)) throw new RangeError(`alpha must be in [0, 1], got ${alpha}`);
  return tf.tidy(() => {
    const teacherLog = tf.logSoftmax(tf.div(teacherLogits, t));
    const studentLog = tf.logSoftmax(tf.div(studentLogits, t));
    // KL(p‖q) = Σ p (log p − log q), per row.
    const kl = tf.sum(tf.mul(tf.exp(teacherLog), tf.sub(teacherLog, studentLog)), 1);
    const soft = tf.mul(tf.mean(kl), t * t);
    if (alpha === 1 || options.hardLabels === undefined) {
      if (alpha !== 1) throw new RangeError('alpha < 1 mixes in hard labels; pass hardLabels');
      return soft as tf.Scalar;
    }
    const hard = sequenceKdLoss(studentLogits, options.hardLabels);
    return tf.add(tf.mul(soft, alpha), tf.mul(hard, 1 - alpha)) as tf.Scalar;
  });
}

/**
 * Forward KL on the teacher's top-k: an API returns only the k most likely tokens with their log-probabilities, so
 * the teacher's distribution is renormalised over those k, p̃_i = exp(ℓ_i) / Σ_j exp(ℓ_j), and the student's is
 * renormalised over the same k tokens, q̃_i = softmax(z)[i] / Σ_j softmax(z)[j]. Per row
 * KL(p̃ ‖ q̃) = Σ_i p̃_i (log p̃_i − log q̃_i), with log q̃_i = z_i − logsumexp_j z_j (over the k ids).
 * `topIds` / `topLogprobs` are [rows, k]; an id of −1 pads a row with fewer than k alternatives (its weight is 0).
 * `weights` masks rows as in sequenceKdLoss.
 */
export function topKForwardKlLoss(studentLogits: tf.Tensor2D, topIds: tf.Tensor2D, topLogprobs: tf.Tensor2D, weights?: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => {
    const valid = tf.cast(tf.greaterEqual(topIds, 0), 'float32');
    const safeIds = tf.cast(tf.maximum(topIds, 0), 'int32');
    // Flat indices row·V + id: a 1-D gather (gather with batchDims misreads memory on the wasm backend).
    const [rows, vocab] = studentLogits.shape;
    const k = topIds.shape[1];
    const flatIds = tf.cast(tf.add(safeIds, tf.mul(tf.range(0, rows, 1, 'int32').reshape([rows, 1]), tf.scalar(vocab, 'int32'))), 'int32');
    const picked = tf.reshape(tf.gather(tf.reshape(studentLogits, [-1]), tf.reshape(flatIds, [-1])), [rows, k]) as tf.Tensor2D;
    const neg = tf.mul(tf.sub(1, valid), -1e9);
    const studentLog = tf.logSoftmax(tf.add(picked, neg));
    const teacherLog = tf.logSoftmax(tf.add(topLogprobs, neg));
    const kl = tf.sum(tf.mul(tf.mul(tf.exp(teacherLog), valid), tf.sub(teacherLog, studentLog)), 1);
    return weightedMean(kl, weights);
  });
}

/** Mean squared error between embeddings: L = (1/N) Σ_n (1/d) ‖s_n − t_n‖². */
export function embeddingMseLoss(student: tf.Tensor2D, teacher: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.square(tf.sub(student, teacher))) as tf.Scalar);
}

/** Cosine loss between embeddings: L = (1/N) Σ_n (1 − s_n·t_n / (‖s_n‖ ‖t_n‖)); 0 when every pair points the same way. */
export function embeddingCosineLoss(student: tf.Tensor2D, teacher: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => {
    const eps = 1e-8;
    const dot = tf.sum(tf.mul(student, teacher), 1);
    const norms = tf.mul(tf.norm(student, 2, 1), tf.norm(teacher, 2, 1));
    return tf.mean(tf.sub(1, tf.div(dot, tf.add(norms, eps)))) as tf.Scalar;
  });
}

/** Σ wᵢxᵢ / max(Σ wᵢ, 1e-9), or the plain mean without weights. */
function weightedMean(values: tf.Tensor1D | tf.Tensor, weights?: tf.Tensor1D): tf.Scalar {
  if (weights === undefined) return tf.mean(values) as tf.Scalar;
  return tf.div(tf.sum(tf.mul(values, weights)), tf.maximum(tf.sum(weights), 1e-9)) as tf.Scalar;
}
