"""Load a model logged by the other tool and print its predictions on the workflow's frame.

Usage::

    python load_model.py <mlflow|mlharbor> <tracking-uri> <model-uri>

Prints ``PREDICTIONS <json list>``.
"""

from __future__ import annotations

import importlib
import json
import sys

import pandas as pd

flavor, tracking_uri, model_uri = sys.argv[1:4]
mlflow = importlib.import_module(flavor)
pyfunc = importlib.import_module(f"{flavor}.pyfunc")
mlflow.set_tracking_uri(tracking_uri)

frame = pd.DataFrame({"x1": [1.0, 2.0, 3.0], "x2": [0.5, 0.1, 0.2]})
model = pyfunc.load_model(model_uri)
print("PREDICTIONS", json.dumps([int(p) for p in model.predict(frame)]), flush=True)
