"""`prefect.workers.templates`: the default base job templates of each pool type, and how a
template is rendered with job variables (Prefect 3's rules)."""

from __future__ import annotations

import ast
import json
import sys
from pathlib import Path
from typing import Any

import pytest
from prefect.schemas.work_pools import template_placeholders, validate_base_job_template
from prefect.workers.templates import (
    POOL_TYPES,
    UnknownPoolType,
    default_base_job_template,
    default_image,
    merge_job_variables,
    render_job_configuration,
    variable_defaults,
)


def template(configuration: dict[str, Any], **properties: dict[str, Any]) -> dict[str, Any]:
    return {"job_configuration": configuration, "variables": {"properties": properties}}


# -- default templates --------------------------------------------------------------------


@pytest.mark.parametrize("pool_type", POOL_TYPES)
def test_default_templates_pass_the_apis_validation_and_round_trip_as_json(
    pool_type: str,
) -> None:
    found = default_base_job_template(pool_type)
    assert validate_base_job_template(found) is found
    assert json.loads(json.dumps(found)) == found
    properties = found["variables"]["properties"]
    # every variable is used by the job configuration, and every placeholder is declared
    assert template_placeholders(found["job_configuration"]) == set(properties)
    for name, spec in properties.items():
        assert spec["title"] and spec["description"], name


def test_default_templates_declare_the_variables_of_prefects_workers() -> None:
    common = {"name", "env", "labels", "command"}
    process = default_base_job_template("process")["variables"]["properties"]
    assert set(process) == common | {"stream_output", "working_dir"}
    docker = default_base_job_template("docker")["variables"]["properties"]
    assert common | {
        "image",
        "networks",
        "volumes",
        "auto_remove",
        "image_pull_policy",
        "mem_limit",
        "privileged",
        "stream_output",
    } <= set(docker)
    kubernetes = default_base_job_template("kubernetes")
    assert set(kubernetes["variables"]["properties"]) == common | {
        "image",
        "namespace",
        "service_account_name",
        "image_pull_policy",
        "finished_job_ttl",
        "job_watch_timeout_seconds",
        "pod_watch_timeout_seconds",
        "stream_output",
        "cluster_config",
    }
    manifest = kubernetes["job_configuration"]["job_manifest"]
    assert (manifest["apiVersion"], manifest["kind"]) == ("batch/v1", "Job")
    assert kubernetes["variables"]["properties"]["namespace"]["default"] == "default"
    assert kubernetes["variables"]["properties"]["pod_watch_timeout_seconds"]["default"] == 60


def test_each_call_returns_a_fresh_copy() -> None:
    first = default_base_job_template("process")
    first["variables"]["properties"].clear()
    assert default_base_job_template("process")["variables"]["properties"]


def test_an_unknown_type_names_the_known_ones() -> None:
    with pytest.raises(UnknownPoolType, match="process, docker, kubernetes") as info:
        default_base_job_template("ecs")
    assert isinstance(info.value, ValueError) and info.value.pool_type == "ecs"


def test_default_image_follows_prefects_naming() -> None:
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    assert default_image() == f"prefecthq/prefect:3.9.1-python{version}"
    docker = default_base_job_template("docker")["variables"]["properties"]
    assert docker["image"]["default"] == default_image()


# -- rendering the defaults ---------------------------------------------------------------


def test_process_defaults_render_without_the_variables_that_have_none() -> None:
    rendered = render_job_configuration(default_base_job_template("process"), {})
    # command, name and working_dir default to null: their keys are dropped, as Prefect does
    assert rendered == {"env": {}, "labels": {}, "stream_output": True}


def test_process_job_variables_keep_their_types() -> None:
    rendered = render_job_configuration(
        default_base_job_template("process"),
        {"env": {"MODE": "fast"}, "working_dir": "/srv", "stream_output": False, "command": "x"},
    )
    assert rendered == {
        "command": "x",
        "env": {"MODE": "fast"},
        "labels": {},
        "stream_output": False,
        "working_dir": "/srv",
    }


def test_kubernetes_manifest_is_filled_in_depth() -> None:
    rendered = render_job_configuration(
        default_base_job_template("kubernetes"),
        {"name": "etl", "namespace": "jobs", "env": {"A": "1"}, "finished_job_ttl": 300},
    )
    manifest = rendered["job_manifest"]
    assert manifest["metadata"] == {"labels": {}, "namespace": "jobs", "generateName": "etl-"}
    assert manifest["spec"]["ttlSecondsAfterFinished"] == 300
    pod = manifest["spec"]["template"]["spec"]
    assert "serviceAccountName" not in pod  # null by default: left to Kubernetes
    (container,) = pod["containers"]
    assert container == {
        "name": "prefect-job",
        "env": {"A": "1"},
        "image": default_image(),
        "imagePullPolicy": "IfNotPresent",
    }
    assert rendered["pod_watch_timeout_seconds"] == 60 and rendered["namespace"] == "jobs"


def test_docker_defaults_and_overrides() -> None:
    rendered = render_job_configuration(
        default_base_job_template("docker"),
        {"image": "my/image:1", "volumes": ["/data:/data"], "mem_limit": "1g"},
    )
    assert rendered["image"] == "my/image:1" and rendered["volumes"] == ["/data:/data"]
    assert rendered["mem_limit"] == "1g" and rendered["auto_remove"] is False
    assert rendered["networks"] == [] and "image_pull_policy" not in rendered


# -- rendering rules ----------------------------------------------------------------------


def test_a_whole_placeholder_keeps_the_type_and_text_is_substituted() -> None:
    found = render_job_configuration(
        template(
            {
                "n": "{{ n }}",
                "flag": "{{ flag }}",
                "obj": "{{ obj }}",
                "text": "run {{ n }} with {{ flag }}",
                "json": "obj={{ obj }}",
                "spaced": " {{ n }}",
            },
            n={"default": 3},
            flag={"default": False},
            obj={"default": {"a": [1, 2]}},
        )
    )
    assert found == {
        "n": 3,
        "flag": False,
        "obj": {"a": [1, 2]},
        "text": "run 3 with False",
        "json": 'obj={"a": [1, 2]}',
        "spaced": " 3",
    }


def test_missing_variables_drop_keys_and_list_items_and_empty_text() -> None:
    found = render_job_configuration(
        template(
            {
                "gone": "{{ missing }}",
                "null_default": "{{ none }}",
                "items": ["{{ missing }}", "{{ x }}", 2],
                "text": "a{{ missing }}b",
                "nested": {"deep": {"gone": "{{ missing }}", "kept": "{{ x }}"}},
            },
            missing={"type": "string"},
            none={"default": None},
            x={"default": "x"},
        )
    )
    assert found == {"items": ["x", 2], "text": "ab", "nested": {"deep": {"kept": "x"}}}


def test_an_explicit_null_job_variable_is_kept_as_null() -> None:
    found = render_job_configuration(template({"a": "{{ a }}"}, a={"default": "x"}), {"a": None})
    assert found == {"a": None}


def test_job_variables_override_defaults_and_paths_reach_inside() -> None:
    found = render_job_configuration(
        template(
            {"first": "{{ items[0] }}", "deep": "{{ conf.inner.value }}", "bad": "{{ items[9] }}"},
            items={"default": ["a", "b"]},
            conf={"default": {"inner": {"value": 1}}},
        ),
        {"conf": {"inner": {"value": 2}}},
    )
    assert found == {"first": "a", "deep": 2}


def test_env_defaults_merge_with_given_env_and_fixed_env() -> None:
    by_placeholder = template(
        {"env": "{{ env }}"}, env={"type": "object", "default": {"D": "d", "X": "default"}}
    )
    assert render_job_configuration(by_placeholder, {"env": {"E": "e", "X": "given"}}) == {
        "env": {"D": "d", "X": "given", "E": "e"}
    }
    fixed = template(
        {"env": {"X": "fixed", "H": "h"}},
        env={"type": "object", "default": {"D": "d", "X": "default"}},
    )
    assert render_job_configuration(fixed, {}) == {"env": {"X": "default", "H": "h", "D": "d"}}
    assert render_job_configuration(fixed, {"env": {"X": "given"}})["env"]["X"] == "given"


def test_labels_are_replaced_whole_unlike_env() -> None:
    found = render_job_configuration(
        template({"labels": "{{ labels }}"}, labels={"default": {"team": "a"}}),
        {"labels": {"tier": "b"}},
    )
    assert found == {"labels": {"tier": "b"}}


def test_dotted_job_variables_set_nested_values() -> None:
    found = render_job_configuration(
        template({"env": "{{ env }}", "name": "{{ name }}"}, env={"default": {"A": "a"}}, name={}),
        {"env.B": "b", "name": "n"},
    )
    assert found == {"env": {"A": "a", "B": "b"}, "name": "n"}
    both = render_job_configuration(
        template({"env": "{{ env }}"}, env={}), {"env": {"B": "b"}, "env.C": "c"}
    )
    assert both == {"env": {"C": "c", "B": "b"}}


def test_environment_and_api_placeholders() -> None:
    found = render_job_configuration(
        template(
            {
                "home": "{{ $POOLS_HOME }}",
                "inside": "x{{ $POOLS_UNSET }}y",
                "secret": "{{ prefect.blocks.secret.db }}",
                "variable": "v={{ prefect.variables.region }}",
            }
        ),
        environ={"POOLS_HOME": "/h"},
    )
    assert found == {
        "home": "/h",
        "inside": "xy",
        "secret": "{{ prefect.blocks.secret.db }}",
        "variable": "v={{ prefect.variables.region }}",
    }


def test_substituted_values_are_not_rendered_again() -> None:
    found = render_job_configuration(
        template({"a": "<{{ a }}>"}, a={"default": "{{ b }}"}, b={"default": "no"})
    )
    assert found == {"a": "<{{ b }}>"}


def test_rendering_leaves_the_template_unchanged() -> None:
    source = default_base_job_template("kubernetes")
    before = json.dumps(source, sort_keys=True)
    rendered = render_job_configuration(source, {"env": {"A": "1"}})
    rendered["job_manifest"]["spec"]["template"]["spec"]["containers"][0]["env"]["A"] = "2"
    assert json.dumps(source, sort_keys=True) == before


def test_an_empty_template_renders_nothing() -> None:
    assert render_job_configuration({}, {"env": {"A": "1"}}) == {}


def test_variable_defaults_leave_out_nulls() -> None:
    assert variable_defaults(default_base_job_template("process")) == {
        "env": {},
        "labels": {},
        "stream_output": True,
    }


# -- merging levels -----------------------------------------------------------------------


def test_merge_job_variables_merges_env_and_replaces_the_rest() -> None:
    deployment = {"env": {"A": "1", "B": "1"}, "labels": {"x": "1"}, "image": "d"}
    run = {"env": {"B": "2"}, "labels": {"y": "2"}}
    merged = merge_job_variables(deployment, run)
    assert merged == {"env": {"A": "1", "B": "2"}, "labels": {"y": "2"}, "image": "d"}
    assert deployment["env"] == {"A": "1", "B": "1"}  # inputs untouched
    assert merge_job_variables(None, {"env": None}, {}) == {"env": None}
    assert merge_job_variables({"env": None}, {"env": {"A": "1"}}) == {"env": {"A": "1"}}


def test_merged_levels_render_over_the_pool_template() -> None:
    rendered = render_job_configuration(
        default_base_job_template("process"),
        merge_job_variables({"env": {"A": "1"}, "working_dir": "/a"}, {"env": {"B": "2"}}),
    )
    assert rendered["env"] == {"A": "1", "B": "2"} and rendered["working_dir"] == "/a"


# -- purity -------------------------------------------------------------------------------


def test_the_module_is_pure_so_the_server_may_import_it() -> None:
    import prefect.workers.templates as module

    tree = ast.parse(Path(module.__file__ or "").read_text())
    imported: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert imported - set(sys.stdlib_module_names) <= {"__future__", "prefect"}
    # and nothing of prefect but its version string
    assert "from prefect import PREFECT_COMPATIBLE_VERSION" in ast.unparse(tree)
    assert "prefect." not in " ".join(
        node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
    )
