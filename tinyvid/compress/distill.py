"""Knowledge distillation: fine-tune a student against a larger teacher's soft labels.

loss = alpha * CE(labels, student) + (1 - alpha) * T^2 * KL(softmax(t / T) || softmax(s / T))

with ``t`` and ``s`` the teacher's and student's logits. tinyvid's built-in models end
in a softmax, so their outputs are probabilities. Their logarithm differs from the
logits only by a per-frame constant (log p = z - logsumexp(z)), and softmax(. / T)
ignores a per-frame constant, so ``log p`` stands in for ``z`` exactly (up to float
rounding; probabilities are clipped at 1e-30 so an underflowed zero stays finite).
A model whose last layer has no softmax is taken to output logits already.
"""

from __future__ import annotations

from pathlib import Path

from tinyvid.errors import ModelError

DEFAULT_ALPHA = 0.5
DEFAULT_TEMPERATURE = 4.0


def ends_in_softmax(model) -> bool:
    last = model.layers[-1]
    kind = type(last).__name__
    while kind in ("PruneLowMagnitude", "QuantizeWrapper", "QuantizeWrapperV2"):
        last = last.layer
        kind = type(last).__name__
    if kind == "Softmax":
        return True
    activation = getattr(last, "activation", None)
    return getattr(activation, "__name__", "") == "softmax" or activation == "softmax"


def to_logits(outputs, is_probability: bool):
    """Logits (up to a per-frame constant) of a model's outputs."""
    from tinyvid import _tf

    tf = _tf.tf()
    if not is_probability:
        return outputs
    return tf.math.log(tf.clip_by_value(outputs, 1e-30, 1.0))


def distillation_loss(labels, student_logits, teacher_logits, alpha: float, temperature: float):
    """The mean distillation loss of a batch (see the module docstring)."""
    from tinyvid import _tf

    tf = _tf.tf()
    labels = tf.cast(tf.reshape(labels, [-1]), tf.int32)
    ce = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=student_logits)
    t_log = tf.nn.log_softmax(teacher_logits / temperature)
    s_log = tf.nn.log_softmax(student_logits / temperature)
    kl = tf.reduce_sum(tf.exp(t_log) * (t_log - s_log), axis=-1)
    return tf.reduce_mean(alpha * ce + (1.0 - alpha) * temperature**2 * kl)


def make_distiller(student, teacher, *, alpha: float = DEFAULT_ALPHA, temperature: float = DEFAULT_TEMPERATURE):
    """A Keras model that trains ``student`` with the distillation loss; ``teacher`` stays frozen."""
    from tinyvid import _tf

    tf, keras = _tf.tf(), _tf.keras()
    if not 0.0 <= alpha <= 1.0:
        raise ModelError(f"distillation alpha {alpha} is outside [0, 1]", "alpha weighs the label loss against the teacher loss")
    if temperature <= 0:
        raise ModelError(f"distillation temperature {temperature} must be positive", "use a temperature such as 4")
    if tuple(student.inputs[0].shape[1:]) != tuple(teacher.inputs[0].shape[1:]):
        raise ModelError(
            f"teacher takes frames of shape {tuple(teacher.inputs[0].shape[1:])}, the student {tuple(student.inputs[0].shape[1:])}",
            "train the teacher at the student's input size and channels",
        )
    if student.outputs[0].shape[-1] != teacher.outputs[0].shape[-1]:
        raise ModelError(
            f"teacher has {teacher.outputs[0].shape[-1]} outputs, student {student.outputs[0].shape[-1]}",
            "the teacher must be trained on the same classes as the student",
        )
    student_soft, teacher_soft = ends_in_softmax(student), ends_in_softmax(teacher)

    class Distiller(keras.Model):
        def __init__(self):
            super().__init__()
            self.student = student
            self.teacher = teacher
            self.loss_tracker = keras.metrics.Mean(name="loss")
            self.accuracy = keras.metrics.SparseCategoricalAccuracy(name="accuracy")

        def call(self, x, training=False):
            return self.student(x, training=training)

        @property
        def metrics(self):
            return [self.loss_tracker, self.accuracy]

        def train_step(self, data):
            x, y = data
            t_logits = to_logits(self.teacher(x, training=False), teacher_soft)
            with tf.GradientTape() as tape:
                out = self.student(x, training=True)
                loss = distillation_loss(y, to_logits(out, student_soft), t_logits, alpha, temperature)
                if self.student.losses:
                    loss += tf.add_n(self.student.losses)
            grads = tape.gradient(loss, self.student.trainable_variables)
            self.optimizer.apply_gradients(zip(grads, self.student.trainable_variables))
            self.loss_tracker.update_state(loss)
            self.accuracy.update_state(y, out)
            return {m.name: m.result() for m in self.metrics}

        def test_step(self, data):
            x, y = data
            out = self.student(x, training=False)
            t_logits = to_logits(self.teacher(x, training=False), teacher_soft)
            self.loss_tracker.update_state(distillation_loss(y, to_logits(out, student_soft), t_logits, alpha, temperature))
            self.accuracy.update_state(y, out)
            return {m.name: m.result() for m in self.metrics}

    return Distiller()


def resolve_teacher(teacher, dataset, *, seed: int, epochs: int, out_dir: Path, progress: bool):
    """A teacher Keras model from a ``.keras`` path or a built-in architecture name (trained
    first); ``"self"`` stands for the uncompressed model itself (self-distillation)."""
    from tinyvid.compress.model_io import load_keras_model

    if teacher is None:
        return None
    if str(teacher) == "self":
        return "self"  # the pipeline uses the original float model
    if not isinstance(teacher, (str, Path)):
        return teacher  # already a model
    path = Path(teacher)
    if path.suffix in (".keras", ".h5", ".hdf5") or path.exists():
        return load_keras_model(path)
    from tinyvid.train import train as train_builtin

    result = train_builtin(dataset, arch=str(teacher), seed=seed, out_dir=Path(out_dir) / "teacher", progress=progress)
    return result.model
