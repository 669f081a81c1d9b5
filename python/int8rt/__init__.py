"""int8rt: INT8 post-training quantization and inference, from Python.

The classes mirror the C++ API (include/int8rt/*.h) with snake_case names, plus TensorRT's names
where they differ (create_builder_config, build_serialized_network, Runtime.deserialize_engine,
IInt8EntropyCalibrator2, ...). Failed calls raise int8rt.Error (a RuntimeError). See docs/python.md.
"""

from ._int8rt import *  # noqa: F401,F403
from ._int8rt import Network
from . import network as _network

__version__ = "0.1.0"

_network.install(Network)
