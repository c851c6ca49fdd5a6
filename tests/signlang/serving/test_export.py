"""signlang.serving.export on the session's small real project (tests/conftest.py `small_project`):
the exported TFLite model holds builtin ops only and runs without any delegate, and a network
whose batch size is not fixed is refused instead of falling back to Flex ops."""

from __future__ import annotations

import numpy as np
import pytest

from signlang import paths

pytestmark = pytest.mark.slow


def test_tflite_needs_no_flex_ops(exported) -> None:
    import warnings

    import tensorflow as tf

    from signlang.serving.export import flex_ops, model_ops

    content = (exported["root"] / paths.BUNDLE_DIR / paths.BUNDLE_MODEL).read_bytes()
    assert b"Flex" not in content
    ops = model_ops(content)
    assert "FULLY_CONNECTED" in ops and "SOFTMAX" in ops
    assert not [op for op in ops if op.startswith("CUSTOM")], ops
    assert flex_ops(content) == []
    # Builtin ops only, no default (XNNPACK) or Flex delegate: still loads and runs.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tf.lite.Interpreter's deprecation notice
        interpreter = tf.lite.Interpreter(
            model_content=content,
            experimental_op_resolver_type=tf.lite.experimental.OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES,
        )
    interpreter.allocate_tensors()
    window = exported["X"][:1].astype(np.float32)
    interpreter.set_tensor(interpreter.get_input_details()[0]["index"], window)
    interpreter.invoke()
    probabilities = interpreter.get_tensor(interpreter.get_output_details()[0]["index"])
    np.testing.assert_allclose(probabilities, exported["model"].predict(window, verbose=0), atol=1e-4)


def test_a_free_batch_network_fails_loudly_instead_of_using_flex(exported) -> None:
    from signlang.serving.export import ExportError, to_tflite

    with pytest.raises(ExportError, match="builtin ops only.*batch size is not fixed"):
        to_tflite(exported["model"])
