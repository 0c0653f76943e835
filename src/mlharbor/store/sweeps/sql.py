"""The sweep controller over the tracking database.

Every decision that must happen once (handing out trial numbers, taking a new best value,
finishing the sweep) runs in one write transaction holding the sweep's row lock, so any number
of agents, server workers or server replicas can share one sweep. Run bookkeeping (the parent
run's best metric, failing a dead agent's run) goes through the tracking store after that
transaction commits: on SQLite a second write transaction inside the first would wait on itself.

An agent sends a heartbeat every ``timeout / 4`` seconds; a running trial silent for longer than
``MLHARBOR_SWEEP_HEARTBEAT_TIMEOUT`` seconds (default 60) is marked FAILED, with its run, the
next time anyone asks about the sweep.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections import Counter
from collections.abc import Mapping
from typing import Any

import orjson
from sqlalchemy import Connection, Row, func, insert, select, update

from mlharbor.entities import Metric, RunStatus, RunTag
from mlharbor.entities.sweep import Sweep, SweepState, SweepTrial, TrialState
from mlharbor.exceptions import InvalidParameterValue, MlharborException, ResourceDoesNotExist
from mlharbor.store.sweeps.protocol import Claim
from mlharbor.store.sweeps.schema import sweep_trials, sweeps
from mlharbor.store.tracking.protocol import TrackingStore
from mlharbor.store.tracking.sql.engine import get_engine, reading, writing
from mlharbor.sweeps import search
from mlharbor.sweeps.config import SweepConfig, parse_config
from mlharbor.utils.time import now_ms

__all__ = ["SWEEP_ID_TAG", "SqlSweepStore", "heartbeat_timeout_s"]

SWEEP_ID_TAG = "mlharbor.sweep.id"
_PARENT_TAG = "mlflow.parentRunId"
_DEFAULT_TIMEOUT_S = 60.0
MAX_SWEEP_NAME_LENGTH = 200
# Claims that sample outside the write lock before one samples under it.
_OPTIMISTIC_CLAIMS = 3
_VALUED = (TrialState.FINISHED.value, TrialState.STOPPED.value)


def heartbeat_timeout_s() -> float:
    """Seconds of silence after which a running trial counts as dead."""
    raw = os.environ.get("MLHARBOR_SWEEP_HEARTBEAT_TIMEOUT")
    try:
        value = float(raw) if raw else _DEFAULT_TIMEOUT_S
    except ValueError:
        return _DEFAULT_TIMEOUT_S
    return value if value > 0 else _DEFAULT_TIMEOUT_S


def _loads(text: str | None) -> Any:
    return orjson.loads(text) if text else None


def _trial(row: Row[Any]) -> SweepTrial:
    return SweepTrial(
        sweep_id=row.sweep_id,
        number=row.number,
        state=TrialState(row.state),
        params=_loads(row.params),
        run_id=row.run_id,
        value=row.value,
        start_time=row.start_time,
        end_time=row.end_time,
    )


def _history(row: Row[Any]) -> search.TrialHistory:
    return search.TrialHistory(row.number, row.state, _loads(row.sampled), row.value)


class SqlSweepStore:
    """A :class:`~mlharbor.store.sweeps.protocol.SweepStore` in the database of ``tracking``.

    Args:
        db_uri: the tracking database.
        tracking: the tracking store of the same database, for the sweep's runs.
    """

    def __init__(self, db_uri: str, tracking: TrackingStore) -> None:
        self._engine = get_engine(db_uri)
        self._tracking = tracking

    # reading ---------------------------------------------------------------------------

    def _locked_sweep(self, connection: Connection, sweep_id: str) -> Row[Any]:
        query = select(sweeps).where(sweeps.c.sweep_id == sweep_id)
        row = connection.execute(query.with_for_update()).first()
        if row is None:
            raise ResourceDoesNotExist(f"Sweep '{sweep_id}' does not exist.")
        return row

    def _rows(self, connection: Connection, sweep_id: str) -> list[Row[Any]]:
        query = select(sweep_trials).where(sweep_trials.c.sweep_id == sweep_id)
        return list(connection.execute(query.order_by(sweep_trials.c.number)))

    @staticmethod
    def _sweep(
        row: Row[Any], counts: Mapping[str, int], trials: tuple[SweepTrial, ...] = ()
    ) -> Sweep:
        return Sweep(
            sweep_id=row.sweep_id,
            experiment_id=str(row.experiment_id),
            parent_run_id=row.parent_run_id,
            name=row.name,
            config=_loads(row.config),
            state=SweepState(row.state),
            best_value=row.best_value,
            best_run_id=row.best_run_id,
            creation_time=row.creation_time,
            last_update_time=row.last_update_time,
            trial_counts=dict(counts),
            trials=trials,
        )

    def experiment_of(self, sweep_id: str) -> str | None:
        """The experiment id of ``sweep_id``, or ``None`` for an unknown sweep."""
        with reading(self._engine) as connection:
            found = connection.execute(
                select(sweeps.c.experiment_id).where(sweeps.c.sweep_id == sweep_id)
            ).scalar()
        return None if found is None else str(found)

    def get_sweep(self, sweep_id: str) -> Sweep:
        self._reap(sweep_id)
        with reading(self._engine) as connection:
            row = connection.execute(select(sweeps).where(sweeps.c.sweep_id == sweep_id)).first()
            if row is None:
                raise ResourceDoesNotExist(f"Sweep '{sweep_id}' does not exist.")
            trials = tuple(_trial(r) for r in self._rows(connection, sweep_id))
        return self._sweep(row, Counter(str(t.state) for t in trials), trials)

    def list_sweeps(self, experiment_id: str) -> list[Sweep]:
        if not str(experiment_id).isdigit():
            raise InvalidParameterValue(f"Invalid experiment id: '{experiment_id}'")
        counts: dict[str, Counter[str]] = {}
        with reading(self._engine) as connection:
            rows = list(
                connection.execute(
                    select(sweeps)
                    .where(sweeps.c.experiment_id == int(experiment_id))
                    .order_by(sweeps.c.creation_time.desc())
                )
            )
            tallies = connection.execute(
                select(sweep_trials.c.sweep_id, sweep_trials.c.state, func.count())
                .join(sweeps, sweeps.c.sweep_id == sweep_trials.c.sweep_id)
                .where(sweeps.c.experiment_id == int(experiment_id))
                .group_by(sweep_trials.c.sweep_id, sweep_trials.c.state)
            )
            for sweep_id, state, count in tallies:
                counts.setdefault(sweep_id, Counter())[state] = count
        return [self._sweep(row, counts.get(row.sweep_id, Counter())) for row in rows]

    # creating and steering -------------------------------------------------------------

    def create_sweep(
        self, experiment_id: str, config: Mapping[str, Any], name: str | None, user_id: str
    ) -> Sweep:
        parsed = parse_config(config)
        sweep_id = uuid.uuid4().hex
        name = name or str(config.get("name") or f"sweep-{sweep_id[:8]}")
        if len(name) > MAX_SWEEP_NAME_LENGTH:
            # Trial runs are named "<sweep name>-<number>" within a run name's 250 characters.
            raise InvalidParameterValue(
                f"A sweep name may have at most {MAX_SWEEP_NAME_LENGTH} characters."
            )
        now = now_ms()
        parent = self._tracking.create_run(
            experiment_id, user_id, now, [RunTag(SWEEP_ID_TAG, sweep_id)], name
        )
        with writing(self._engine) as connection:
            connection.execute(
                insert(sweeps).values(
                    sweep_id=sweep_id,
                    experiment_id=int(parent.info.experiment_id),
                    parent_run_id=parent.info.run_id,
                    name=name,
                    config=orjson.dumps(dict(parsed.raw)).decode(),
                    state=SweepState.RUNNING.value,
                    seed=parsed.seed if parsed.seed is not None else int(sweep_id[:8], 16),
                    creation_time=now,
                    last_update_time=now,
                )
            )
        return self.get_sweep(sweep_id)

    def _set_state(self, sweep_id: str, state: SweepState, run_status: RunStatus) -> Sweep:
        with writing(self._engine) as connection:
            row = self._locked_sweep(connection, sweep_id)
            changed = row.state != state.value and row.state != SweepState.FINISHED.value
            if changed:
                connection.execute(
                    update(sweeps)
                    .where(sweeps.c.sweep_id == sweep_id)
                    .values(state=state.value, last_update_time=now_ms())
                )
        if changed:
            self._end_run(row.parent_run_id, run_status, only_running=False)
        return self.get_sweep(sweep_id)

    def stop_sweep(self, sweep_id: str) -> Sweep:
        """Hand out no more trials; running trials finish."""
        return self._set_state(sweep_id, SweepState.STOPPED, RunStatus.KILLED)

    def resume_sweep(self, sweep_id: str) -> Sweep:
        """Hand out trials again after :meth:`stop_sweep`; a finished sweep stays finished."""
        return self._set_state(sweep_id, SweepState.RUNNING, RunStatus.RUNNING)

    # trials ----------------------------------------------------------------------------

    def _suggest(self, row: Row[Any], rows: list[Row[Any]]) -> search.Suggestion | None:
        config = parse_config(_loads(row.config))
        if config.run_cap is not None and len(rows) >= config.run_cap:
            return None
        return search.suggest(config, row.seed, [_history(r) for r in rows])

    def claim_trial(self, sweep_id: str) -> Claim | None:
        self._reap(sweep_id)
        for attempt in range(_OPTIMISTIC_CLAIMS + 1):
            # The sampler runs outside the write lock (SQLite's lock is database-wide); the
            # claim stands only if no other trial was claimed meanwhile. The last attempt
            # samples under the lock, so a busy sweep still makes progress.
            locked = attempt == _OPTIMISTIC_CLAIMS
            guess: search.Suggestion | None = None
            if not locked:
                with reading(self._engine) as connection:
                    row = connection.execute(
                        select(sweeps).where(sweeps.c.sweep_id == sweep_id)
                    ).first()
                    if row is None:
                        raise ResourceDoesNotExist(f"Sweep '{sweep_id}' does not exist.")
                    if row.state != SweepState.RUNNING.value:
                        return None
                    rows = self._rows(connection, sweep_id)
                seen: int | None = len(rows)
                guess = self._suggest(row, rows)
            else:
                seen = None
            stale, claim = self._claim(sweep_id, guess, seen)
            if not stale:
                return claim
        raise AssertionError("the locked attempt is never stale")

    def _claim(
        self, sweep_id: str, guess: search.Suggestion | None, seen: int | None
    ) -> tuple[bool, Claim | None]:
        """Insert the next trial with ``guess`` (sampled from ``seen`` trials), or sample under
        the lock when ``seen`` is None. Returns (stale, claim): stale when other trials were
        claimed since ``guess`` was sampled."""
        now = now_ms()
        finished = False
        with writing(self._engine) as connection:
            row = self._locked_sweep(connection, sweep_id)
            if row.state != SweepState.RUNNING.value:
                return False, None
            rows = self._rows(connection, sweep_id)
            if seen is not None and len(rows) != seen:
                return True, None
            suggestion = guess if seen is not None else self._suggest(row, rows)
            if suggestion is None:
                config = parse_config(_loads(row.config))
                finished = self._finish_if_done(connection, row, config, rows)
            else:
                connection.execute(
                    insert(sweep_trials).values(
                        sweep_id=sweep_id,
                        number=len(rows),
                        state=TrialState.RUNNING.value,
                        params=orjson.dumps(suggestion.params).decode(),
                        sampled=orjson.dumps(suggestion.sampled).decode(),
                        start_time=now,
                        heartbeat_time=now,
                    )
                )
        if suggestion is None:
            if finished:
                self._end_run(row.parent_run_id, RunStatus.FINISHED, only_running=False)
            return False, None
        trial = SweepTrial(
            sweep_id, len(rows), TrialState.RUNNING, suggestion.params, None, None, now, None
        )
        return False, Claim(trial, heartbeat_timeout_s() / 4)

    def report_trial(
        self,
        sweep_id: str,
        number: int,
        run_id: str | None = None,
        state: TrialState | None = None,
    ) -> bool:
        if state is not None:
            state = TrialState(state)
        with reading(self._engine) as connection:
            sweep = connection.execute(select(sweeps).where(sweeps.c.sweep_id == sweep_id)).first()
            trial = connection.execute(
                select(sweep_trials).where(
                    sweep_trials.c.sweep_id == sweep_id, sweep_trials.c.number == number
                )
            ).first()
        if sweep is None or trial is None:
            raise ResourceDoesNotExist(f"Sweep '{sweep_id}' has no trial {number}.")
        run_id = run_id or trial.run_id
        if run_id and run_id != trial.run_id:
            self._check_trial_run(sweep, trial, run_id)
        if trial.state != TrialState.RUNNING.value:
            # Already ended, e.g. failed for a missed heartbeat: the agent must let it go.
            return True
        config = parse_config(_loads(sweep.config))
        if state in (None, TrialState.RUNNING):
            return self._heartbeat(sweep_id, number, run_id, config)
        self._end_trial(sweep, number, run_id, state, config)
        return False

    def _check_trial_run(self, sweep: Row[Any], trial: Row[Any], run_id: str) -> None:
        """A trial's run must be a child of the sweep's parent run, named once."""
        if trial.run_id is not None:
            raise InvalidParameterValue(
                f"Trial {trial.number} of sweep '{sweep.sweep_id}' already has run "
                f"'{trial.run_id}'."
            )
        try:
            run = self._tracking.get_run(run_id)
        except ResourceDoesNotExist:
            run = None
        if (
            run is None
            or str(run.info.experiment_id) != str(sweep.experiment_id)
            or run.data.tags.get(_PARENT_TAG) != sweep.parent_run_id
        ):
            raise InvalidParameterValue(
                f"Run '{run_id}' is not a child run of sweep '{sweep.sweep_id}' "
                f"(parent run '{sweep.parent_run_id}')."
            )

    @staticmethod
    def _rung_json(rungs: Mapping[int, float]) -> str | None:
        return orjson.dumps({str(k): v for k, v in rungs.items()}).decode() if rungs else None

    def _metric_values(self, run_id: str | None, key: str) -> list[float]:
        if not run_id:
            return []
        points = self._tracking.get_metric_history(run_id, key)
        return [m.value for m in points]

    def _heartbeat(
        self, sweep_id: str, number: int, run_id: str | None, config: SweepConfig
    ) -> bool:
        own = search.rung_values(config, self._metric_values(run_id, config.metric_name))
        with writing(self._engine) as connection:
            values: dict[str, Any] = {"heartbeat_time": now_ms(), "run_id": run_id}
            if own:
                values["rung_values"] = self._rung_json(own)
            connection.execute(
                update(sweep_trials)
                .where(
                    sweep_trials.c.sweep_id == sweep_id,
                    sweep_trials.c.number == number,
                    sweep_trials.c.state == TrialState.RUNNING.value,
                )
                .values(values)
            )
            if not own:
                return False
            others = connection.execute(
                select(sweep_trials.c.rung_values).where(
                    sweep_trials.c.sweep_id == sweep_id,
                    sweep_trials.c.number != number,
                    sweep_trials.c.rung_values.is_not(None),
                )
            )
            rungs = [{int(k): v for k, v in _loads(text).items()} for (text,) in others]
        return search.hyperband_stop(config, own, rungs)

    def _end_trial(
        self,
        sweep: Row[Any],
        number: int,
        run_id: str | None,
        state: TrialState,
        config: SweepConfig,
    ) -> None:
        history = self._metric_values(run_id, config.metric_name)
        value = history[-1] if history and state != TrialState.FAILED else None
        improved_step: int | None = None
        with writing(self._engine) as connection:
            row = self._locked_sweep(connection, sweep.sweep_id)
            connection.execute(
                update(sweep_trials)
                .where(
                    sweep_trials.c.sweep_id == sweep.sweep_id,
                    sweep_trials.c.number == number,
                    sweep_trials.c.state == TrialState.RUNNING.value,
                )
                .values(
                    state=state.value,
                    run_id=run_id,
                    value=value,
                    end_time=now_ms(),
                    rung_values=self._rung_json(search.rung_values(config, history)),
                )
            )
            updates: dict[str, Any] = {"last_update_time": now_ms()}
            if value is not None and config.better(value, row.best_value):
                updates.update(best_value=value, best_run_id=run_id)
                rows = self._rows(connection, sweep.sweep_id)
                # Completed trials only grow, so later improvements get later steps.
                improved_step = sum(1 for r in rows if r.state in _VALUED)
            connection.execute(
                update(sweeps).where(sweeps.c.sweep_id == sweep.sweep_id).values(updates)
            )
            finished = self._finish_if_done(
                connection, row, config, self._rows(connection, sweep.sweep_id)
            )
        if improved_step is not None and value is not None:
            self._tracking.log_metric(
                sweep.parent_run_id, Metric(config.metric_name, value, now_ms(), improved_step)
            )
        if finished:
            self._end_run(sweep.parent_run_id, RunStatus.FINISHED, only_running=False)

    def _finish_if_done(
        self, connection: Connection, sweep: Row[Any], config: SweepConfig, rows: list[Row[Any]]
    ) -> bool:
        """Mark the sweep FINISHED when it can hand out no more trials and none is running."""
        if sweep.state != SweepState.RUNNING.value:
            return False
        limit = min(
            x for x in (config.run_cap, search.grid_size(config), float("inf")) if x is not None
        )
        if len(rows) < limit or any(r.state == TrialState.RUNNING.value for r in rows):
            return False
        connection.execute(
            update(sweeps)
            .where(sweeps.c.sweep_id == sweep.sweep_id)
            .values(state=SweepState.FINISHED.value, last_update_time=now_ms())
        )
        return True

    def _reap(self, sweep_id: str) -> None:
        """Fail the running trials whose agents stopped sending heartbeats."""
        cutoff = now_ms() - int(heartbeat_timeout_s() * 1000)
        stale = (
            sweep_trials.c.sweep_id == sweep_id,
            sweep_trials.c.state == TrialState.RUNNING.value,
            sweep_trials.c.heartbeat_time < cutoff,
        )
        with reading(self._engine) as connection:
            if connection.execute(select(func.count()).where(*stale)).scalar_one() == 0:
                return
        with writing(self._engine) as connection:
            row = self._locked_sweep(connection, sweep_id)
            dead = list(connection.execute(select(sweep_trials.c.run_id).where(*stale)))
            connection.execute(
                update(sweep_trials)
                .where(*stale)
                .values(state=TrialState.FAILED.value, end_time=now_ms())
            )
            config = parse_config(_loads(row.config))
            finished = self._finish_if_done(
                connection, row, config, self._rows(connection, sweep_id)
            )
        for (run_id,) in dead:
            if run_id:
                self._end_run(run_id, RunStatus.FAILED, only_running=True)
        if finished:
            self._end_run(row.parent_run_id, RunStatus.FINISHED, only_running=False)

    def _end_run(self, run_id: str, status: RunStatus, *, only_running: bool) -> None:
        # The run may have been deleted meanwhile; the sweep's own state is already recorded.
        with contextlib.suppress(MlharborException):
            if only_running and self._tracking.get_run(run_id).info.status != RunStatus.RUNNING:
                return
            end = None if status == RunStatus.RUNNING else now_ms()
            self._tracking.update_run_info(run_id, status.value, end, None)
