"""A ``pickle_module`` for ``torch.save``/``torch.load`` that pickles with cloudpickle.

cloudpickle captures classes defined in ``__main__`` or notebooks by value, so such models load
in another process. Loading needs only the standard unpickler. Model directories name MLflow's
equivalent module, ``mlflow.pytorch.pickle_module``; mlharbor maps that name to this one.
"""

from __future__ import annotations

from pickle import Unpickler, load, loads

from cloudpickle import DEFAULT_PROTOCOL, dump, dumps
from cloudpickle import CloudPickler as Pickler

__all__ = ["DEFAULT_PROTOCOL", "Pickler", "Unpickler", "dump", "dumps", "load", "loads"]
