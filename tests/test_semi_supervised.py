"""The semi-supervised GAN: its data split, its loss terms, which weights each phase moves, its classifier."""

import csv
import json
import math
import subprocess
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_gan import losses, networks
from keras_gan.data import labelled
from keras_gan.evaluation import probe
from keras_gan.models.semi_supervised import (
    HeldOutAccuracy,
    SemiSupervisedGAN,
    consistency_loss,
    feature_matching_loss,
    random_affine,
    real_fake_logit,
    supervised_loss,
    train_on_labels_alone,
)
from conftest import changed, ids, load_benchmark_script, snapshot

LATENT = 8
SHAPE = (28, 28, 1)
CLASSES = 10


# ---------------------------------------------------------------------- the split


def test_the_split_is_balanced_and_leaves_the_rest_unlabelled():
    split = labelled.load_labelled_split("mnist-sample", labels=100, seed=0)
    assert split.x_labelled.shape == (100, *SHAPE)
    assert split.x_unlabelled.shape == (3900, *SHAPE)
    assert split.x_test.shape == (1000, *SHAPE) and split.num_classes == 10
    np.testing.assert_array_equal(np.bincount(split.y_labelled, minlength=10), np.full(10, 10))
    x_train, y_train = labelled.datasets.load_mnist_sample("train")
    np.testing.assert_array_equal(split.y_labelled, y_train[split.labelled_indices])
    # Labelled and unlabelled together are the training split, each digit once.
    together = np.concatenate([split.x_labelled, split.x_unlabelled])
    distinct = lambda images: len(np.unique(images.reshape(len(images), -1), axis=0))  # noqa: E731
    assert distinct(together) == distinct(x_train)
    assert split.x_labelled.min() >= -1 and split.x_labelled.max() <= 1


def test_the_split_is_disjoint_from_the_held_out_digits():
    split = labelled.load_labelled_split("mnist-sample", labels=100, seed=0)
    held_out = {image.tobytes() for image in split.x_test}
    assert not any(image.tobytes() in held_out for image in split.x_labelled)
    assert not any(image.tobytes() in held_out for image in split.x_unlabelled)
    x_test, y_test = labelled.datasets.load_mnist_sample("test")
    np.testing.assert_array_equal(split.x_test, labelled.datasets.scale_images(x_test))
    np.testing.assert_array_equal(split.y_test, y_test)


def test_the_split_repeats_by_seed_and_changes_with_it():
    first = labelled.load_labelled_split("mnist-sample", labels=100, seed=3)
    again = labelled.load_labelled_split("mnist-sample", labels=100, seed=3)
    other = labelled.load_labelled_split("mnist-sample", labels=100, seed=4)
    np.testing.assert_array_equal(first.labelled_indices, again.labelled_indices)
    assert len(np.intersect1d(first.labelled_indices, other.labelled_indices)) < 20
    # The linear probe draws the same labelled digits for a seed.
    y_train = labelled.datasets.load_mnist_sample("train")[1]
    np.testing.assert_array_equal(first.labelled_indices, probe.balanced_subset(y_train, 10, seed=3))


def test_balanced_indices_by_hand():
    y = np.array([0, 1, 0, 1, 0, 1, 2, 2, 2])
    picked = labelled.balanced_indices(y, 6, seed=0)
    np.testing.assert_array_equal(np.bincount(y[picked]), [2, 2, 2])
    assert list(picked) == sorted(picked) and len(set(picked)) == 6


@pytest.mark.parametrize(
    "labels, message",
    [(95, "cannot be balanced across 10 classes"), (0, "positive number"), (4000, "leaves no unlabelled"),
     (True, "positive number")],
)
def test_bad_label_counts_are_refused(labels, message):
    with pytest.raises(ValueError, match=message):
        labelled.load_labelled_split("mnist-sample", labels=labels)


def test_a_class_too_small_and_an_unlabelled_dataset_are_refused():
    with pytest.raises(ValueError, match="class 2 has 1 examples"):
        labelled.balanced_indices(np.array([0, 0, 1, 1, 2]), 6)
    with pytest.raises(ValueError, match="needs class labels"):
        labelled.load_labelled_split("ring")


def test_the_batches_pair_unlabelled_and_labelled_examples():
    split = labelled.load_labelled_split("mnist-sample", labels=20, seed=0)
    batches = labelled.make_semi_supervised_dataset(split, batch_size=16, labelled_batch_size=8, seed=0)
    seen = []
    for unlabelled, (images, labels) in batches.take(5):
        assert unlabelled.shape == (16, *SHAPE) and images.shape == (8, *SHAPE) and labels.shape == (8,)
        seen.append(labels.numpy())
    # Two and a half passes over the 20 labelled digits: each pass holds every labelled digit once.
    np.testing.assert_array_equal(np.sort(np.concatenate(seen[:2]).tolist() + seen[2][:4].tolist()),
                                  np.sort(split.y_labelled))
    with pytest.raises(ValueError, match="labelled_batch_size must lie in 1..20"):
        labelled.make_semi_supervised_dataset(split, 16, labelled_batch_size=32)


# ---------------------------------------------------------------------- the losses


def test_the_real_fake_logit_is_logsumexp_of_the_class_logits():
    logits = np.array([[0.0, 0.0], [1.0, -2.0], [100.0, 100.0]], "float32")
    expected = [math.log(2.0), math.log(math.e + math.exp(-2.0)), 100.0 + math.log(2.0)]
    np.testing.assert_allclose(np.asarray(real_fake_logit(logits)), expected, rtol=1e-6)


def test_the_supervised_term_is_the_k_way_cross_entropy():
    logits = np.array([[0.0, 0.0, 0.0], [2.0, 0.0, -1.0]], "float32")
    labels = np.array([1, 0])
    # -log(1/3) and -log(e^2 / (e^2 + 1 + e^-1)), averaged.
    expected = (math.log(3.0) + math.log((math.exp(2) + 1 + math.exp(-1)) / math.exp(2))) / 2
    assert float(supervised_loss(logits, labels)) == pytest.approx(expected, rel=1e-6)


def test_the_unsupervised_term_is_the_k_plus_one_class_loss():
    """The K+1-way softmax with the "generated" logit at 0, computed by hand, equals the GAN loss on logsumexp."""
    real = np.array([[0.0, 0.0], [1.0, 3.0]], "float32")
    fake = np.array([[0.0, math.log(3.0)], [-1.0, -1.0]], "float32")

    def generated_probability(row):  # softmax over [l_1, ..., l_K, 0], the last entry
        return 1.0 / (sum(math.exp(v) for v in row) + 1.0)

    expected = -np.mean([math.log(1 - generated_probability(r)) for r in real]) - np.mean(
        [math.log(generated_probability(f)) for f in fake]
    )
    # Row by row: D = 2/3 on [0, 0]; on [0, log 3] Z = 4, so p(generated) = 1/5.
    assert generated_probability(real[0]) == pytest.approx(1 / 3)
    assert generated_probability(fake[0]) == pytest.approx(1 / 5)
    pair = losses.get("non_saturating")
    value = float(pair.discriminator(real_fake_logit(real), real_fake_logit(fake)))
    assert value == pytest.approx(expected, rel=1e-6)
    # The generator's non-saturating loss: -E log D(G(z)) = -E log(1 - p(generated)).
    expected_g = -np.mean([math.log(1 - generated_probability(f)) for f in fake])
    assert float(pair.generator(real_fake_logit(fake))) == pytest.approx(expected_g, rel=1e-6)


def test_the_unsupervised_term_stays_finite_for_huge_logits():
    real = np.array([[500.0, 0.0]], "float32")
    fake = np.array([[-500.0, -500.0]], "float32")
    pair = losses.get("non_saturating")
    assert float(pair.discriminator(real_fake_logit(real), real_fake_logit(fake))) == pytest.approx(0.0, abs=1e-6)
    swapped = pair.discriminator(real_fake_logit(fake), real_fake_logit(real))
    assert float(swapped) == pytest.approx(1000 - math.log(2), rel=1e-6)


def test_feature_matching_is_zero_when_the_means_agree():
    real = np.array([[1.0, 2.0], [3.0, 6.0]], "float32")  # mean (2, 4)
    same_mean = np.array([[2.0, 0.0], [2.0, 8.0], [2.0, 4.0]], "float32")
    assert float(feature_matching_loss(real, same_mean)) == 0.0
    shifted = same_mean + np.array([1.0, -3.0], "float32")
    assert float(feature_matching_loss(real, shifted)) == pytest.approx((1.0 + 9.0) / 2)
    images = np.stack([real.reshape(2, 1, 2), real.reshape(2, 1, 2)[::-1]])  # feature maps are flattened
    assert float(feature_matching_loss(images, images[::-1])) == 0.0


def test_the_consistency_term_is_the_kl_divergence_from_the_unaugmented_view():
    logits = np.array([[0.0, 0.0], [math.log(3.0), 0.0]], "float32")  # p = (1/2, 1/2) and (3/4, 1/4)
    assert float(consistency_loss(logits, logits)) == pytest.approx(0.0, abs=1e-7)
    augmented = np.array([[math.log(3.0), 0.0], [0.0, 0.0]], "float32")
    first = 0.5 * math.log(0.5 / 0.75) + 0.5 * math.log(0.5 / 0.25)
    second = 0.75 * math.log(0.75 / 0.5) + 0.25 * math.log(0.25 / 0.5)
    assert float(consistency_loss(logits, augmented)) == pytest.approx((first + second) / 2, rel=1e-6)
    # Only the augmented view is pulled towards the other: no gradient reaches the anchor.
    anchor, moved = tf.Variable(logits), tf.Variable(augmented)
    with tf.GradientTape() as tape:
        loss = consistency_loss(anchor, moved)
    gradients = tape.gradient(loss, [anchor, moved])
    assert gradients[0] is None and np.abs(np.asarray(gradients[1])).sum() > 0


def test_random_affine_moves_images_in_training_only_and_fills_with_the_background():
    images = -np.ones((4, *SHAPE), "float32")
    images[:, 10:18, 10:18] = 1.0
    augmentation = random_affine(rotation=0.1, zoom=0.2, translation=0.2)
    np.testing.assert_array_equal(np.asarray(augmentation(images, training=False)), images)
    moved = np.asarray(augmentation(images, training=True))
    assert not np.allclose(moved, images)
    assert moved[:, 0, 0].max() == pytest.approx(-1.0)  # the corners stay background


# ---------------------------------------------------------------------- the model


def tiny_ssgan(**kwargs):
    generator = networks.dcgan_generator(LATENT, SHAPE, base_filters=4)
    discriminator = networks.classifier_discriminator(SHAPE, CLASSES, base_filters=4)
    return SemiSupervisedGAN(generator, discriminator, seed=0, **kwargs)


def batch(n=8, labelled_n=6):
    rng = np.random.default_rng(0)
    images = lambda count: tf.constant(rng.uniform(-1, 1, (count, *SHAPE)).astype("float32"))  # noqa: E731
    return images(n), (images(labelled_n), tf.constant(rng.integers(0, CLASSES, labelled_n)))


def test_the_classifier_discriminator_gives_class_logits_and_pooled_features():
    discriminator = networks.classifier_discriminator(SHAPE, 7, base_filters=4)
    assert discriminator.output.shape == (None, 7)
    assert discriminator.get_layer("features").output.shape == (None, 16)
    assert networks.DISCRIMINATORS["ssgan"] is networks.classifier_discriminator
    # Noise and dropout act in training only.
    x = np.zeros((2, *SHAPE), "float32")
    np.testing.assert_array_equal(np.asarray(discriminator(x)), np.asarray(discriminator(x)))
    assert not np.allclose(np.asarray(discriminator(x, training=True)), np.asarray(discriminator(x, training=True)))
    with pytest.raises(ValueError, match="num_classes must be"):
        networks.classifier_discriminator(SHAPE, 1)
    with pytest.raises(ValueError, match="dropout must be a rate in"):
        networks.classifier_discriminator(SHAPE, 10, dropout=1.0)
    with pytest.raises(ValueError, match="sides of 12 pixels or more"):
        networks.classifier_discriminator((8, 8, 1), 10)


def test_the_combined_model_trains_exactly_the_generator_and_outputs_logits_and_features():
    gan = tiny_ssgan()
    assert ids(gan.combined.trainable_variables) == ids(gan.generator.trainable_variables)
    assert gan.discriminator.trainable is False
    logits, features = gan.combined(gan.latent_vectors(3, seed=0))
    assert logits.shape == (3, CLASSES) and features.shape == (3, 16)  # four times base_filters, pooled


def test_the_discriminator_phase_updates_only_the_discriminator():
    gan = tiny_ssgan()
    gan.compile()
    d_before, g_before = snapshot(gan.discriminator_variables), snapshot(gan.generator.trainable_variables)
    real, context = batch()
    gan.discriminator_step(real, context)
    assert all(changed(d_before, gan.discriminator_variables))
    assert not any(changed(g_before, gan.generator.trainable_variables))
    assert (int(gan.d_optimizer.iterations), int(gan.g_optimizer.iterations)) == (1, 0)


@pytest.mark.parametrize("generator_loss", ["feature_matching", "non_saturating"])
def test_the_generator_phase_updates_only_the_generator(generator_loss):
    gan = tiny_ssgan(generator_loss=generator_loss)
    gan.compile()
    d_before, g_before = snapshot(gan.discriminator.weights), snapshot(gan.generator.trainable_variables)
    real, context = batch()
    gan.generator_step(real, context)
    assert not any(changed(d_before, gan.discriminator.weights))
    assert all(changed(g_before, gan.generator.trainable_variables))
    assert (int(gan.d_optimizer.iterations), int(gan.g_optimizer.iterations)) == (0, 1)


def test_in_the_compiled_step_each_phase_moves_only_its_own_weights():
    split = tiny_split()
    for d_rate, g_rate in ((0.0, 0.1), (0.1, 0.0)):
        keras.utils.clear_session()
        gan = tiny_ssgan()
        gan.compile(keras.optimizers.SGD(d_rate), keras.optimizers.SGD(g_rate))
        d_before, g_before = snapshot(gan.discriminator_variables), snapshot(gan.generator.trainable_variables)
        gan.fit(labelled.make_semi_supervised_dataset(split, 8, 4, seed=0), steps_per_epoch=2, epochs=1, verbose=0)
        assert all(changed(d_before, gan.discriminator_variables)) is bool(d_rate)
        assert not any(changed(d_before, gan.discriminator_variables)) is not bool(d_rate)
        assert all(changed(g_before, gan.generator.trainable_variables)) is bool(g_rate)
        assert not any(changed(g_before, gan.generator.trainable_variables)) is not bool(g_rate)


def test_with_consistency_the_discriminator_phase_tracks_it_and_moves_only_the_discriminator():
    gan = tiny_ssgan(augmentation=random_affine(), consistency_weight=1.0)
    gan.compile()
    d_before, g_before = snapshot(gan.discriminator_variables), snapshot(gan.generator.trainable_variables)
    real, context = batch()
    gan.discriminator_step(real, context)
    assert all(changed(d_before, gan.discriminator_variables))
    assert not any(changed(g_before, gan.generator.trainable_variables))
    assert float(gan.consistency_tracker.result()) > 0
    assert "d_consistency" in [metric.name for metric in gan.metrics]
    assert "d_consistency" not in [metric.name for metric in tiny_ssgan().metrics]


def test_the_configuration_round_trips_with_its_augmentation():
    gan = tiny_ssgan(augmentation=random_affine(rotation=0.02), consistency_weight=2.0, unsupervised_weight=0.5,
                     generator_loss="non_saturating")
    again = SemiSupervisedGAN.from_config(gan.get_config())
    options = (again.consistency_weight, again.unsupervised_weight, again.generator_loss_name)
    assert options == (2.0, 0.5, "non_saturating")
    assert again.augmentation.layers[0].factor == gan.augmentation.layers[0].factor


def zero_logits(gan):
    """Sets the discriminator's last layer to zero, so every class logit is 0 whatever the input."""
    dense = gan.discriminator.get_layer("logits")
    dense.set_weights([np.zeros_like(w) for w in dense.get_weights()])


@pytest.mark.parametrize("supervised_weight, unsupervised_weight", [(1.0, 1.0), (2.0, 0.5)])
def test_the_discriminator_loss_on_zero_logits_by_hand(supervised_weight, unsupervised_weight):
    gan = tiny_ssgan(supervised_weight=supervised_weight, unsupervised_weight=unsupervised_weight)
    gan.compile()
    zero_logits(gan)
    real, (images, labels) = batch()
    loss, real_verdict, fake_verdict = gan.discriminator_loss(real, real, (images, labels))
    # Z = 10, so D = 10/11 everywhere: -log(10/11) - log(1/11); the cross-entropy of a uniform softmax is log 10.
    unsupervised = math.log(1.1) + math.log(11.0)
    expected = supervised_weight * math.log(10.0) + unsupervised_weight * unsupervised
    assert float(loss) == pytest.approx(expected, rel=1e-5)
    np.testing.assert_allclose(np.asarray(real_verdict), np.full(8, math.log(10.0)), rtol=1e-5)
    assert float(gan.supervised_tracker.result()) == pytest.approx(math.log(10.0), rel=1e-5)


def tiny_split(labels=20):
    rng = np.random.default_rng(1)
    x = rng.uniform(-1, 1, (60, *SHAPE)).astype("float32")
    y = np.arange(60) % CLASSES
    return labelled.labelled_split(x, y, x[:10], y[:10], labels=labels, seed=0)


def test_held_out_accuracy_reaches_the_logs_every_epoch():
    split = tiny_split()
    gan = tiny_ssgan()
    gan.compile()
    callback = HeldOutAccuracy(split.x_test, split.y_test)
    history = gan.fit(labelled.make_semi_supervised_dataset(split, 8, 4, seed=0), steps_per_epoch=2, epochs=2,
                      callbacks=[callback], verbose=0)
    assert len(history.history["test_accuracy"]) == 2
    assert history.history["test_accuracy"][-1] == gan.accuracy(split.x_test, split.y_test)
    predicted = np.asarray(gan.discriminator(split.x_test)).argmax(axis=-1)
    assert gan.accuracy(split.x_test, split.y_test) == np.mean(predicted == split.y_test)
    for name in ("d_supervised", "labelled_accuracy", "d_loss", "g_loss", "d_real"):
        assert name in history.history


def test_the_classifier_is_a_standalone_softmax_copy(tmp_path):
    gan = tiny_ssgan()
    gan.compile()
    classifier = gan.classifier()
    x = np.random.default_rng(2).uniform(-1, 1, (5, *SHAPE)).astype("float32")
    probabilities = np.asarray(classifier(x))
    np.testing.assert_allclose(probabilities.sum(axis=-1), 1.0, rtol=1e-5)
    np.testing.assert_array_equal(probabilities.argmax(-1), gan.classify(x))
    path = tmp_path / "classifier.keras"
    classifier.save(path)
    loaded = keras.models.load_model(path)
    np.testing.assert_allclose(np.asarray(loaded(x)), probabilities, rtol=1e-5)
    assert loaded.trainable_weights  # a copy that trains on its own
    zero_logits(gan)  # the GAN's discriminator changes; the copy does not
    np.testing.assert_allclose(np.asarray(classifier(x)), probabilities, rtol=1e-6)


def test_the_classifier_average_follows_each_discriminator_update_by_hand():
    gan = tiny_ssgan(classifier_ema=0.75)
    gan.compile()
    start = gan.discriminator.get_weights()
    for average, weight in zip(gan.classifier_average.get_weights(), start):
        np.testing.assert_array_equal(average, weight)  # it starts from the discriminator
    real, context = batch()

    gan.discriminator_step(real, context)

    updated = gan.discriminator.get_weights()
    for average, before, after in zip(gan.classifier_average.get_weights(), start, updated):
        np.testing.assert_allclose(average, 0.75 * before + 0.25 * after, rtol=1e-5, atol=1e-7)
    averaged = gan.classifier_average.get_weights()
    gan.generator_step(real, context)  # the generator's phase leaves it alone
    for now, then in zip(gan.classifier_average.get_weights(), averaged):
        np.testing.assert_array_equal(now, then)
    assert not gan.classifier_average.trainable_weights


def test_with_an_average_the_model_classifies_with_the_average():
    gan = tiny_ssgan(classifier_ema=0.9)
    gan.compile()
    dense = gan.classifier_average.get_layer("logits")
    kernel, bias = dense.get_weights()
    bias[3] = 100.0  # the average says "3" whatever the input; the discriminator does not
    dense.set_weights([kernel, bias])
    x = np.random.default_rng(3).uniform(-1, 1, (6, *SHAPE)).astype("float32")

    assert list(gan.classify(x)) == [3] * 6
    assert gan.accuracy(x, [3] * 6) == 1.0
    assert list(np.asarray(gan.classifier()(x)).argmax(-1)) == [3] * 6
    assert list(np.asarray(gan.discriminator(x)).argmax(-1)) != [3] * 6


@pytest.mark.parametrize(
    "kwargs, message",
    [({"generator_loss": "hinge"}, "generator_loss must be one of feature_matching, non_saturating"),
     ({"pack": 2}, "does not support packing"),
     ({"supervised_weight": -1.0}, "supervised_weight must be a non-negative number"),
     ({"consistency_weight": 1.0}, "consistency_weight needs an augmentation"),
     ({"feature_layer": "nowhere"}, "has no layer 'nowhere'"),
     ({"classifier_ema": 1.0}, r"classifier_ema must be a decay in \(0, 1\)")],
)
def test_bad_options_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        tiny_ssgan(**kwargs)


def test_a_single_logit_discriminator_and_a_critic_loss_are_refused():
    with pytest.raises(ValueError, match=r"K >= 2 class logits .* shape \(None, 1\)"):
        SemiSupervisedGAN(networks.dcgan_generator(LATENT, SHAPE, base_filters=4),
                          networks.dcgan_discriminator(SHAPE, base_filters=4))
    with pytest.raises(ValueError, match="needs loss 'minimax' or 'non_saturating'.*'wasserstein'"):
        tiny_ssgan().compile(loss="wasserstein")


def test_unlabelled_batches_alone_are_refused_for_training_and_scored_by_evaluate():
    gan = tiny_ssgan()
    gan.compile()
    with pytest.raises(ValueError, match=r"trains on batches \(unlabelled, \(labelled, labels\)\)"):
        gan.fit(np.zeros((8, *SHAPE), "float32"), batch_size=8, epochs=1, verbose=0)
    zero_logits(gan)  # D(x) = 10/11 on every image
    logs = gan.evaluate(np.zeros((8, *SHAPE), "float32"), batch_size=8, verbose=0, return_dict=True)
    assert logs["d_real"] == pytest.approx(10 / 11, rel=1e-5) and logs["d_fake"] == pytest.approx(10 / 11, rel=1e-5)


# ---------------------------------------------------------------------- the command line


@pytest.mark.slow
def test_a_tiny_cli_run_logs_held_out_accuracy_and_writes_a_classifier_plain_keras_opens(tmp_path, capsys):
    from keras_gan.cli import evaluate, train

    out = tmp_path / "ssgan"
    argv = ["--model", "ssgan", "--labels", "20", "--epochs", "2", "--steps-per-epoch", "2", "--batch-size", "8",
            "--base-filters", "4", "--latent-dim", "8", "--out", str(out)]
    assert train.main(argv) == 0
    printed = capsys.readouterr().out
    assert printed.count("test_accuracy: ") == 2  # the progress bar, each epoch
    with open(out / "log.csv") as file:
        rows = list(csv.DictReader(file))
    assert len(rows) == 2 and all(0 <= float(row["test_accuracy"]) <= 1 for row in rows)
    config = json.loads((out / "config.json").read_text())
    assert (config["model"], config["labels"]) == ("ssgan", 20)

    # A fresh interpreter that never imports keras_gan opens the classifier and reads digits with it.
    split = labelled.load_labelled_split("mnist-sample", labels=20, seed=0)
    np.save(tmp_path / "x.npy", split.x_test[:50])
    script = (
        "import sys, keras, numpy as np\n"
        f"model = keras.models.load_model({str(out / 'classifier.keras')!r})\n"
        f"p = model.predict(np.load({str(tmp_path / 'x.npy')!r}), verbose=0)\n"
        "assert 'keras_gan' not in sys.modules\n"
        "print(p.shape, ' '.join(map(str, p.argmax(-1))), float(abs(p.sum(-1) - 1).max()))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    last = result.stdout.strip().splitlines()[-1]
    assert last.startswith("(50, 10) ")
    digits, error = last[len("(50, 10) "):].rsplit(" ", 1)
    assert float(error) < 1e-5
    in_process = keras.models.load_model(out / "classifier.keras").predict(split.x_test[:50], verbose=0).argmax(-1)
    assert digits.split() == [str(d) for d in in_process]

    # evaluate RUN reports the classifier's held-out accuracy, the one classifier.keras gives.
    assert evaluate.main([str(out), "--num-samples", "100"]) == 0
    report = json.loads((out / "metrics.json").read_text())
    full = keras.models.load_model(out / "classifier.keras").predict(split.x_test, verbose=0).argmax(-1)
    assert report["discriminator"]["test_accuracy"]["value"] == pytest.approx(np.mean(full == split.y_test))
    assert "classifier accuracy" in capsys.readouterr().out


def test_the_cli_refuses_labels_that_cannot_be_balanced_before_writing(tmp_path, capsys):
    from keras_gan.cli import train

    out = tmp_path / "ssgan"
    assert train.main(["--model", "ssgan", "--labels", "25", "--out", str(out)]) == 2
    assert "labels=25 cannot be balanced across 10 classes" in capsys.readouterr().err
    assert not out.exists()
    assert train.main(["--model", "ssgan", "--labels", "0", "--out", str(out)]) == 2
    assert "labels must be a positive integer" in capsys.readouterr().err
    assert train.main(["--model", "dcgan", "--labels", "20", "--out", str(out)]) == 2
    assert "labels is an option of model 'ssgan', not of model 'dcgan'" in capsys.readouterr().err


def test_the_labels_alone_baseline_trains_the_classifier_and_scores_every_epoch():
    split = tiny_split()
    classifier = networks.classifier_discriminator(SHAPE, CLASSES, base_filters=4)
    before = snapshot(classifier.trainable_variables)
    curve = train_on_labels_alone(classifier, split, epochs=2, steps_per_epoch=2, batch_size=8,
                                  optimizer=keras.optimizers.Adam(1e-3), augmentation=random_affine(),
                                  diffaugment="translation", seed=0)
    assert len(curve) == 2 and all(0.0 <= value <= 1.0 for value in curve)
    assert all(changed(before, classifier.trainable_variables))
    predicted = np.asarray(classifier(split.x_test)).argmax(-1)
    assert curve[-1] == pytest.approx(np.mean(predicted == split.y_test))


# ---------------------------------------------------------------------- the benchmark


def load_benchmark():
    return load_benchmark_script("semi_supervised", "semi_supervised_benchmark")


@pytest.mark.slow
def test_the_benchmark_merges_each_methods_runs_by_seed_with_their_provenance(tmp_path):
    benchmark = load_benchmark()
    results = tmp_path / "semi_supervised.json"
    tiny = ["--set", "epochs=1", "steps_per_epoch=2", "base_filters=4", "latent_dim=8", "--labels", "20"]
    assert benchmark.main(["--methods", "ssgan", "supervised", "--seeds", "0", "1", "--json", str(results), *tiny]) == 0
    assert benchmark.main(["--methods", "ssgan", "--seeds", "1", "--json", str(results), *tiny]) == 0
    report = json.loads(results.read_text())
    assert set(report["methods"]) == {"ssgan", "supervised"}
    for method, entry in report["methods"].items():
        assert [run["seed"] for run in entry["runs"]] == [0, 1]
        accuracies = [run["accuracy"] for run in entry["runs"]]
        assert entry["mean"] == pytest.approx(np.mean(accuracies)) and entry["std"] == pytest.approx(np.std(accuracies))
        for run in entry["runs"]:
            assert len(run["curve"]) == 1 and run["classifier_ema"] == 0.99
            assert 0 <= run["accuracy_without_average"] <= 1
            if method == "ssgan":  # the GAN's curve scores its average every epoch
                assert run["curve"][-1] == run["accuracy"]
            else:  # the baseline's curve scores its weights; the average, put into them when fit ends, is scored last
                assert run["curve"][-1] == run["accuracy_without_average"]
            assert run["settings_over_preset"]["epochs"] == 1
            assert {"command", "commit", "cpu", "cores", "date"} <= set(run["provenance"])
    ssgan_runs = report["methods"]["ssgan"]["runs"]
    assert "--seeds 1" in ssgan_runs[1]["provenance"]["command"]  # the second call replaced seed 1
    assert "--seeds 0 1" in ssgan_runs[0]["provenance"]["command"]



@pytest.mark.slow
def test_the_linear_probe_row_trains_its_dcgan_for_the_epochs_asked_and_scores_each_seeds_labels(tmp_path):
    results = tmp_path / "semi_supervised.json"
    assert load_benchmark().main(["--methods", "linear_probe", "--seeds", "0", "1", "--probe-epochs", "1",
                                  "--json", str(results)]) == 0
    (entry,) = json.loads(results.read_text())["methods"].values()
    assert [run["seed"] for run in entry["runs"]] == [0, 1]
    for run in entry["runs"]:
        assert run["discriminator"] == "python -m keras_gan.train --seed 0 --epochs 1"
        assert 0.1 < run["accuracy"] <= 1 and 0.1 < run["raw_pixels_accuracy"] <= 1  # ten classes: chance is 0.1
    assert entry["runs"][0]["raw_pixels_accuracy"] != entry["runs"][1]["raw_pixels_accuracy"]  # each seed its labels

def test_a_saved_ssgan_loads_with_plain_keras_and_continues_as_if_never_stopped(tmp_path):
    data = tf.data.Dataset.from_tensors(batch()).repeat()
    gan = tiny_ssgan(augmentation=random_affine(), consistency_weight=0.5, unsupervised_weight=0.5,
                     classifier_ema=0.9)
    gan.compile(d_optimizer="adam", g_optimizer="adam")
    gan.fit(data, steps_per_epoch=2, epochs=1, verbose=0)
    gan.save(tmp_path / "ssgan.keras")

    loaded = keras.models.load_model(tmp_path / "ssgan.keras")

    assert type(loaded) is SemiSupervisedGAN
    assert (loaded.consistency_weight, loaded.unsupervised_weight, loaded.generator_loss_name) == (
        0.5, 0.5, "feature_matching")
    assert loaded.classifier_ema == 0.9
    for restored, saved in zip(loaded.classifier_average.get_weights(), gan.classifier_average.get_weights()):
        np.testing.assert_array_equal(restored, saved)
    assert loaded.augmentation.name == "random_affine"
    gan.fit(data, steps_per_epoch=2, epochs=1, verbose=0)
    loaded.fit(data, steps_per_epoch=2, epochs=1, verbose=0)
    for continued, uninterrupted in zip(loaded.discriminator.get_weights(), gan.discriminator.get_weights()):
        np.testing.assert_allclose(continued, uninterrupted, rtol=1e-5, atol=1e-6)
    for continued, uninterrupted in zip(loaded.classifier_average.get_weights(), gan.classifier_average.get_weights()):
        np.testing.assert_allclose(continued, uninterrupted, rtol=1e-5, atol=1e-6)
