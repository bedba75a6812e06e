"""The real module satisfies every wiring rule of tests/terraform/checks.py."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("hcl2", reason="python-hcl2 is not installed (a dev dependency: pip install python-hcl2)")

from bookgen.analytics import schema  # noqa: E402
from tests.terraform import checks, schemas  # noqa: E402
from tests.terraform.conftest import REPO_ROOT  # noqa: E402


def test_the_workflow_reads_the_env_vars_we_expect(workflow_env):
    # Guards the YAML walk itself: if it found nothing, check_workflow_env would pass vacuously.
    assert {"BOOKGEN_OUTLINE_URL", "BOOKGEN_CHAPTERS_URL", "BOOKGEN_ASSEMBLE_URL", "BOOKGEN_PUBLISH_URL",
            "BOOKGEN_CHAPTER_CONCURRENCY", "BOOKGEN_STEP_TIMEOUT_S"} <= workflow_env
    assert not any(n.startswith("GOOGLE_CLOUD_") for n in workflow_env)


def test_every_step_has_a_function(module, step_names):
    assert step_names == ["assemble", "chapters", "outline", "publish"]
    assert checks.check_step_functions(module, step_names) == []
    assert sorted(module.locals["steps"]) == step_names  # one name per stage: the Terraform key is the folder


def test_functions_build_from_hashed_bundles(module):
    assert checks.check_function_bundles(module) == []


def test_functions_get_the_adapter_settings(module):
    assert checks.check_function_env(module) == []


def test_workflow_env_vars_are_all_set(module, workflow_env):
    assert checks.check_workflow_env(module, workflow_env) == []


def test_workflow_may_invoke_every_function(module):
    assert checks.check_workflow_invokes_functions(module) == []


def test_eventarc_can_start_the_workflow(module):
    assert checks.check_eventarc(module) == []


def test_functions_can_read_the_openai_secret(module):
    assert checks.check_secret_access(module) == []


def test_nothing_is_public(module):
    assert checks.check_nothing_public(module) == []


def test_buckets_use_uniform_access(module):
    assert checks.check_buckets(module) == []


def test_raw_bucket_lifecycle(module):
    assert checks.check_raw_lifecycle(module) == []


def test_topics_have_dead_letters(module):
    assert checks.check_dead_letters(module) == []


def test_bigquery_tables_match_schema_py(module):
    assert checks.check_bigquery_tables(module, schema.TABLES, schema.REFERENCE_TABLES) == []


def test_schema_files_are_generated_from_schema_py():
    for name, table in schemas.all_tables().items():
        path = REPO_ROOT / "terraform" / "schemas" / f"{name}.json"
        assert json.loads(path.read_text("utf-8")) == schemas.bigquery_schema(table), (
            f"{path} is stale: run `python -m tests.terraform.schemas`")


def test_every_sql_view_is_declared_in_order(module, sql_dir):
    assert checks.check_views(module, sql_dir, schema.VIEWS) == []


def test_variables_have_description_and_type(module):
    assert checks.check_variables(module) == []


def test_deletion_protection_is_explicit(module):
    assert checks.check_deletion_protection(module) == []


def test_no_data_sources(module):
    assert checks.check_no_data_sources(module) == []


def test_every_role_says_why(module):
    assert checks.check_roles_commented(module.texts) == []


def test_provider_is_pinned(module):
    terraform = module.other["terraform"][0]
    assert terraform["required_version"] == ">= 1.5.0"
    assert terraform["required_providers"][0]["google"] == {"source": "hashicorp/google", "version": "~> 7.0"}
