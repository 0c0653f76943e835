"""Registered-model and model-version search: filters, ordering, paging, errors."""

from __future__ import annotations

import base64
import json

import pytest

from mlharbor.entities import ModelVersionTag, RegisteredModelTag
from mlharbor.exceptions import InvalidParameterValue
from mlharbor.store.registry.sql.store import SqlRegistryStore

NOT_PROMPT = "tag.`mlflow.prompt.is_prompt` != 'true'"


@pytest.fixture
def filled(store: SqlRegistryStore) -> SqlRegistryStore:
    """demo-clf (3 versions, tagged), demo-reg (1 version), iris-rf (1), and a prompt."""
    store.create_registered_model("demo-clf", [RegisteredModelTag("task", "classification")])
    store.create_registered_model("demo-reg", [RegisteredModelTag("task", "regression")])
    store.create_registered_model("iris-rf")
    store.create_registered_model(
        "a-prompt", [RegisteredModelTag("mlflow.prompt.is_prompt", "true")]
    )
    for i in range(3):
        store.create_model_version(
            "demo-clf",
            f"s3://b/clf/{i}",
            run_id=f"run{i}",
            tags=[ModelVersionTag("validation_status", "approved" if i == 2 else "pending")],
        )
    store.create_model_version("demo-reg", "s3://b/reg", run_id="run9")
    store.create_model_version("iris-rf", "s3://b/iris", run_id="run0")
    # prompt versions carry the prompt tag too, as MLflow's prompt registry writes them
    store.create_model_version(
        "a-prompt", "s3://b/prompt", tags=[ModelVersionTag("mlflow.prompt.is_prompt", "true")]
    )
    return store


def _names(page: list) -> list[str]:  # type: ignore[type-arg]
    return [m.name for m in page]


def test_registered_model_filters(filled: SqlRegistryStore) -> None:
    search = filled.search_registered_models
    assert _names(search(f"name LIKE 'demo%' AND {NOT_PROMPT}")) == ["demo-clf", "demo-reg"]
    # the client's "not a prompt" clause keeps models that never had the tag
    assert _names(search(NOT_PROMPT)) == ["demo-clf", "demo-reg", "iris-rf"]
    assert _names(search("name LIKE 'DEMO%'")) == []
    assert _names(search("name ILIKE 'DEMO%'")) == ["demo-clf", "demo-reg"]
    assert _names(search("name = 'iris-rf'")) == ["iris-rf"]
    assert _names(search("name IN ('iris-rf', 'demo-reg')")) == ["demo-reg", "iris-rf"]
    assert _names(search("tags.task = 'regression'")) == ["demo-reg"]
    assert _names(search("tag.task LIKE '%class%'")) == ["demo-clf"]
    assert _names(search("tags.task != 'regression'")) == ["demo-clf"]
    # prompts are hidden unless the filter asks for them
    assert _names(search()) == ["demo-clf", "demo-reg", "iris-rf"]
    assert _names(search("tags.`mlflow.prompt.is_prompt` = 'true'")) == ["a-prompt"]


def test_registered_model_order_and_paging(filled: SqlRegistryStore) -> None:
    search = filled.search_registered_models
    assert _names(search(NOT_PROMPT, order_by=["name DESC"])) == ["iris-rf", "demo-reg", "demo-clf"]
    by_update = _names(search(NOT_PROMPT, order_by=["last_updated_timestamp DESC"]))
    assert sorted(by_update) == ["demo-clf", "demo-reg", "iris-rf"]
    first = search(NOT_PROMPT, max_results=2)
    assert _names(first) == ["demo-clf", "demo-reg"]
    assert json.loads(base64.b64decode(first.token or "")) == {"offset": 2}
    second = search(NOT_PROMPT, max_results=2, page_token=first.token)
    assert _names(second) == ["iris-rf"]
    assert second.token is None
    empty = search(NOT_PROMPT, max_results=0)
    assert list(empty) == []
    assert empty.token is not None
    with pytest.raises(InvalidParameterValue, match="Invalid order by key 'creation_timestamp'"):
        search(order_by=["creation_timestamp"])
    with pytest.raises(InvalidParameterValue, match="Invalid page token"):
        search(page_token="not a token")
    with pytest.raises(InvalidParameterValue, match="at most 1000"):
        search(max_results=1001)


def test_registered_model_latest_versions_in_search(filled: SqlRegistryStore) -> None:
    (model,) = filled.search_registered_models("name = 'demo-clf'")
    assert [mv.version for mv in model.latest_versions] == ["3"]
    assert model.tags == {"task": "classification"}


@pytest.mark.parametrize(
    ("filter_string", "message"),
    [
        (
            "tags.x >> 1",
            "Expected a quoted string value for tag \\(e.g. 'my-value'\\). Got value 1",
        ),
        ("name = 'a' 'b'", "Invalid clause"),
        ("tags.task = 1", "Expected a quoted string value for tag"),
        ("creation_timestamp > 1", "Invalid attribute key 'creation_timestamp'"),
        ("foo.bar = 'x'", "Invalid entity type 'foo'"),
        ("name = 'a' OR name = 'b'", "Invalid clause"),
    ],
)
def test_registered_model_bad_filters(
    filled: SqlRegistryStore, filter_string: str, message: str
) -> None:
    with pytest.raises(InvalidParameterValue, match=message):
        filled.search_registered_models(filter_string)


def _keys(page: list) -> list[tuple[str, str]]:  # type: ignore[type-arg]
    return [(mv.name, mv.version) for mv in page]


def test_model_version_filters(filled: SqlRegistryStore) -> None:
    search = filled.search_model_versions
    assert _keys(search("name='demo-clf'")) == [
        ("demo-clf", "3"),
        ("demo-clf", "2"),
        ("demo-clf", "1"),
    ]
    assert _keys(search("name='demo-clf' and tags.validation_status = 'approved'")) == [
        ("demo-clf", "3")
    ]
    by_name = ["name ASC"]
    assert _keys(search("run_id = 'run0'", order_by=by_name)) == [
        ("demo-clf", "1"),
        ("iris-rf", "1"),
    ]
    assert _keys(search("run_id IN ('run9', 'run1')", order_by=by_name)) == [
        ("demo-clf", "2"),
        ("demo-reg", "1"),
    ]
    assert _keys(search("name = 'demo-clf' AND version_number >= 2")) == [
        ("demo-clf", "3"),
        ("demo-clf", "2"),
    ]
    assert _keys(search("source_path LIKE '%iris'")) == [("iris-rf", "1")]
    # prompt versions are left out unless asked for
    assert ("a-prompt", "1") not in _keys(search())
    assert _keys(search("tags.`mlflow.prompt.is_prompt` = 'true'")) == [("a-prompt", "1")]


def test_model_version_order_and_paging(filled: SqlRegistryStore) -> None:
    search = filled.search_model_versions
    ordered = search("name = 'demo-clf'", order_by=["version_number ASC"])
    assert [mv.version for mv in ordered] == ["1", "2", "3"]
    # MLflow's default order: most recently updated first
    newest_first = search()
    assert _keys(newest_first)[0] == ("iris-rf", "1")
    by_name = ["name ASC"]
    first = search(max_results=2, order_by=by_name)
    assert _keys(first) == [("demo-clf", "3"), ("demo-clf", "2")]
    rest = search(max_results=10, order_by=by_name, page_token=first.token)
    assert _keys(rest) == [("demo-clf", "1"), ("demo-reg", "1"), ("iris-rf", "1")]
    assert all(mv.aliases == () for mv in rest)
    with pytest.raises(InvalidParameterValue, match="duplicate"):
        search(order_by=["name", "name DESC"])


@pytest.mark.parametrize(
    ("filter_string", "message"),
    [
        ("run_id > 'x'", "Invalid comparator for attribute: >"),
        ("status = 'READY'", "Invalid attribute key 'status'"),
        ("version_number = 'x'", "Invalid value for numeric attribute 'version_number'"),
        ("source_path IN ('a')", "support comparison with a list"),
    ],
)
def test_model_version_bad_filters(
    filled: SqlRegistryStore, filter_string: str, message: str
) -> None:
    with pytest.raises(InvalidParameterValue, match=message):
        filled.search_model_versions(filter_string)


def test_deleted_versions_are_never_returned(filled: SqlRegistryStore) -> None:
    filled.delete_model_version("demo-clf", "3")
    assert [mv.version for mv in filled.search_model_versions("name = 'demo-clf'")] == ["2", "1"]
