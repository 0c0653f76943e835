"""A daemon thread that samples system figures and logs their averages to one run.

Every ``sampling_interval`` seconds it takes one sample; every ``samples_before_logging``
samples it logs the averages as one step of ``system/...`` metrics (MLflow's names), then checks
the run: once the run has left RUNNING the thread ends. :meth:`SystemMetricsMonitor.finish`
stops it at once and logs what was sampled since the last step.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import defaultdict
from typing import Any

from mlharbor.entities import Metric, RunStatus
from mlharbor.environment_variables import (
    MLFLOW_SYSTEM_METRICS_NODE_ID,
    MLFLOW_SYSTEM_METRICS_SAMPLES_BEFORE_LOGGING,
    MLFLOW_SYSTEM_METRICS_SAMPLING_INTERVAL,
)

_logger = logging.getLogger(__name__)

DEFAULT_SAMPLING_INTERVAL = 10.0
DEFAULT_SAMPLES_BEFORE_LOGGING = 1
PREFIX = "system/"
_MB = 1e6


class _Sampler:
    """Reads psutil (and pynvml when a GPU driver is present) into lists of samples."""

    def __init__(self) -> None:
        import psutil

        self._psutil = psutil
        self.samples: dict[str, list[float]] = defaultdict(list)
        network = psutil.net_io_counters()
        self._network_start = (network.bytes_recv, network.bytes_sent)
        self._network: dict[str, float] = {}
        self._gpus = _gpu_handles()

    def sample(self) -> None:
        psutil = self._psutil
        samples = self.samples
        # psutil measures since its previous call; the very first call reads 0.0, as in MLflow
        samples["cpu_utilization_percentage"].append(psutil.cpu_percent())
        memory = psutil.virtual_memory()
        samples["system_memory_usage_megabytes"].append(memory.used / _MB)
        samples["system_memory_usage_percentage"].append(memory.used / memory.total * 100)
        disk = psutil.disk_usage("/")
        samples["disk_usage_percentage"].append(disk.percent)
        samples["disk_usage_megabytes"].append(disk.used / _MB)
        samples["disk_available_megabytes"].append(disk.free / _MB)
        network = psutil.net_io_counters()
        # network figures are totals since monitoring began, not averages
        self._network = {
            "network_receive_megabytes": (network.bytes_recv - self._network_start[0]) / _MB,
            "network_transmit_megabytes": (network.bytes_sent - self._network_start[1]) / _MB,
        }
        if self._gpus:
            _sample_gpus(self._gpus, samples)

    def drain(self) -> dict[str, float]:
        averages = {key: round(sum(v) / len(v), 1) for key, v in self.samples.items() if v}
        averages.update(self._network)
        self.samples.clear()
        return averages


def _gpu_handles() -> list[Any]:
    try:
        import pynvml
    except ImportError:
        return []
    try:
        pynvml.nvmlInit()
        return [pynvml.nvmlDeviceGetHandleByIndex(i) for i in range(pynvml.nvmlDeviceGetCount())]
    except Exception:  # no driver or no device: log CPU figures only
        return []


def _sample_gpus(handles: list[Any], samples: dict[str, list[float]]) -> None:
    import pynvml

    for index, handle in enumerate(handles):
        memory = pynvml.nvmlDeviceGetMemoryInfo(handle)
        samples[f"gpu_{index}_memory_usage_percentage"].append(memory.used / memory.total * 100)
        samples[f"gpu_{index}_memory_usage_megabytes"].append(memory.used / _MB)
        utilization = pynvml.nvmlDeviceGetUtilizationRates(handle)
        samples[f"gpu_{index}_utilization_percentage"].append(utilization.gpu)
        try:
            power = pynvml.nvmlDeviceGetPowerUsage(handle) / 1000
            limit = pynvml.nvmlDeviceGetEnforcedPowerLimit(handle) / 1000
        except pynvml.NVMLError:  # some boards do not report power
            continue
        samples[f"gpu_{index}_power_usage_watts"].append(power)
        samples[f"gpu_{index}_power_usage_percentage"].append(power / limit * 100)


class SystemMetricsMonitor:
    """Samples system figures on a daemon thread and logs them to ``run_id``."""

    def __init__(
        self,
        run_id: str,
        tracking_uri: str | None = None,
        sampling_interval: float = DEFAULT_SAMPLING_INTERVAL,
        samples_before_logging: int = DEFAULT_SAMPLES_BEFORE_LOGGING,
        node_id: str | None = None,
        resume_logging: bool = False,
    ) -> None:
        from mlharbor.client.client import MlharborClient

        self.run_id = run_id
        self.sampling_interval = MLFLOW_SYSTEM_METRICS_SAMPLING_INTERVAL.get() or sampling_interval
        self.samples_before_logging = (
            MLFLOW_SYSTEM_METRICS_SAMPLES_BEFORE_LOGGING.get() or samples_before_logging
        )
        node = MLFLOW_SYSTEM_METRICS_NODE_ID.get() or node_id
        self.prefix = PREFIX + (f"{node}/" if node else "")
        self._client = MlharborClient(tracking_uri)
        self._step = self._next_step() if resume_logging else 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._sampler: _Sampler | None = None

    def _next_step(self) -> int:
        run = self._client.get_run(self.run_id)
        steps = [m.step for m in run.data.metric_objs if m.key.startswith(self.prefix)]
        return max(steps) + 1 if steps else 0

    def start(self) -> None:
        """Begin sampling; a machine without psutil logs a warning and nothing else."""
        try:
            self._sampler = _Sampler()
        except ImportError:
            _logger.warning("System metrics need psutil: pip install 'mlharbor[system-metrics]'")
            return
        self._thread = threading.Thread(
            target=self._loop, name="mlharbor-system-metrics", daemon=True
        )
        self._thread.start()

    def _loop(self) -> None:
        assert self._sampler is not None
        while not self._stop.is_set():
            for _ in range(self.samples_before_logging):
                self._sampler.sample()
                if self._stop.wait(self.sampling_interval):
                    return
            try:
                self._publish()
                if self._client.get_run(self.run_id).info.status != RunStatus.RUNNING.value:
                    return
            except Exception as error:  # the run may be gone; the training goes on
                _logger.warning("System metrics logging stopped: %s", error)
                return

    def _publish(self) -> None:
        assert self._sampler is not None
        figures = self._sampler.drain()
        if not figures:
            return
        now = int(time.time() * 1000)
        metrics = [
            Metric(self.prefix + key, value, now, self._step) for key, value in figures.items()
        ]
        self._client.log_batch(self.run_id, metrics=metrics, synchronous=True)
        self._step += 1

    def finish(self) -> None:
        """Stop sampling and log the samples taken since the last logged step."""
        if self._thread is None:
            return
        self._stop.set()
        self._thread.join()
        self._thread = None
        try:
            if self._sampler is not None and self._sampler.samples:
                self._publish()
        except Exception as error:
            _logger.warning("Could not log the last system metrics: %s", error)
