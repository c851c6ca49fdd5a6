"""The exported bundle as an MLflow pyfunc model, logged as code (MLflow's "models from code"):
MLflow stores this file with the model and runs it on load, so no pickled Python object is
logged. `predict` takes windows (n, T, F) already preprocessed as the bundle's spec says and
returns class probabilities. Not imported by the project: `tracking.register_bundle` passes
this file's path to `mlflow.pyfunc.log_model`.
"""

import mlflow
import numpy as np

from signlang.serving.tracking import BUNDLE_ARTIFACT


class BundleModel(mlflow.pyfunc.PythonModel):
    def load_context(self, context) -> None:  # noqa: D401 - MLflow hook
        from signlang.serving.bundle import Bundle

        self.bundle = Bundle.load(context.artifacts[BUNDLE_ARTIFACT])

    # The np.ndarray hint tells MLflow the input needs no conversion (and stops its warning).
    def predict(self, context, model_input: np.ndarray, params=None) -> np.ndarray:  # noqa: ARG002 - MLflow hook
        return self.bundle.predict_proba(np.asarray(model_input, dtype=np.float32))


mlflow.models.set_model(BundleModel())
