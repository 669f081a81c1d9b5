"""evaluate_top1 and compare_engines from Python, against numpy computations over the outputs
of the same engines."""

import numpy as np
import pytest

import int8rt
from conftest import ArrayCalibrator, lenet_config, lenet_network, needs_mnist

pytestmark = needs_mnist


@pytest.fixture(scope="module")
def engines(mnist, training_indices):
    builder = int8rt.Builder()
    network = lenet_network(builder)
    config = lenet_config(builder, 32)
    fp32 = builder.build(network, config)
    config.set_flag(int8rt.BuilderFlag.INT8)
    config.int8_calibrator = ArrayCalibrator(mnist[0][training_indices][:256])
    return fp32, builder.build(network, config)


def run(engine, images):
    context = engine.create_execution_context()
    return np.concatenate([context.execute([images[i:i + 32]])[0].astype(np.float64)
                           for i in range(0, len(images), 32)])


def test_evaluate_top1_counts_like_numpy(engines, mnist, split):
    images, labels = mnist[0][split[:300]], mnist[1][split[:300]]
    for engine in engines:
        expected = int((run(engine, images).argmax(1) == labels).sum())
        accuracy = int8rt.evaluate_top1(engine, images, labels=labels)
        assert (accuracy.correct, accuracy.total) == (expected, 300)
        assert accuracy.value == pytest.approx(expected / 300)
    with pytest.raises(int8rt.Error, match="label"):
        int8rt.evaluate_top1(engines[0], images)  # no labels


def test_compare_engines_logits_statistics(engines, mnist, split):
    fp32_engine, int8_engine = engines
    images, labels = mnist[0][split[:200]], mnist[1][split[:200]]
    result = int8rt.compare_engines(fp32_engine, int8_engine, images, labels=labels)
    assert result.samples == 200 and result.labelled
    sqnrs = [t.sqnr_db for t in result.tensors]
    assert sqnrs == sorted(sqnrs)
    logits = {t.name: t for t in result.tensors}["logits"]
    assert logits.shape == (1, 10) and logits.count == 2000

    fp32, int8 = run(fp32_engine, images), run(int8_engine, images)
    e = int8 - fp32
    assert logits.sqnr_db == pytest.approx(10 * np.log10((fp32 ** 2).sum() / (e ** 2).sum()),
                                           rel=1e-4)
    cosine = (fp32 * int8).sum() / np.sqrt((fp32 ** 2).sum() * (int8 ** 2).sum())
    assert logits.cosine == pytest.approx(cosine, rel=1e-6)
    assert logits.max_abs_error == pytest.approx(np.abs(e).max(), rel=1e-5)
    assert logits.relative_l2 == pytest.approx(np.sqrt((e ** 2).sum() / (fp32 ** 2).sum()),
                                               rel=1e-4)
    assert result.top1_agreement == int((fp32.argmax(1) == int8.argmax(1)).sum())
    assert result.fp32_accuracy.correct == int((fp32.argmax(1) == labels).sum())
    assert result.int8_accuracy.correct == int((int8.argmax(1) == labels).sum())
