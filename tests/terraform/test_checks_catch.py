"""Each wiring rule fails when its link is removed: the checks run on mutated copies of the parsed module (or
on a temporary copy of the module's files) and must report the break."""

from __future__ import annotations

import json
import shutil

import pytest

pytest.importorskip("hcl2", reason="python-hcl2 is not installed (a dev dependency: pip install python-hcl2)")

from bookgen.analytics import schema  # noqa: E402
from tests.terraform import checks, hcl  # noqa: E402
from tests.terraform.conftest import REPO_ROOT  # noqa: E402

FN = "google_cloudfunctions2_function"


def reported(problems: list[str], *fragments: str) -> bool:
    return any(all(f in p for f in fragments) for p in problems)


# --- functions ------------------------------------------------------------------------------------

def test_a_step_without_function_is_reported(module, step_names):
    del module.locals["steps"]["assemble"]
    assert reported(checks.check_step_functions(module, step_names), "assemble", "no google_cloudfunctions2")


def test_a_wrong_entry_point_is_reported(module, step_names):
    module.resources[FN]["step"]["build_config"][0]["entry_point"] = "main"
    assert reported(checks.check_step_functions(module, step_names), "entry_point", "'main'")


def test_a_bundle_name_without_hash_is_reported(module):
    module.resources["google_storage_bucket_object"]["bundle"]["name"] = "${each.key}.zip"
    assert reported(checks.check_function_bundles(module), "must hash the zip")


def test_a_bundle_of_another_step_is_reported(module):
    module.resources["google_storage_bucket_object"]["bundle"]["source"] = "${local.bundle_dir}/outline.zip"
    assert reported(checks.check_function_bundles(module), "is not the chapters bundle")


def test_a_missing_adapter_setting_is_reported(module):
    del module.locals["function_env"]["BOOKGEN_RAW_BUCKET"]
    assert reported(checks.check_function_env(module), "lacks BOOKGEN_RAW_BUCKET")


def test_a_wrong_adapter_setting_is_reported(module):
    module.locals["function_env"]["BOOKGEN_STORAGE"] = "local"
    assert reported(checks.check_function_env(module), "BOOKGEN_STORAGE", "'local'")


def test_user_env_overriding_the_settings_is_reported(module):
    config = module.resources[FN]["step"]["service_config"][0]
    config["environment_variables"] = "${merge(local.function_env, var.function_env)}"
    assert reported(checks.check_function_env(module), "must come before")


# --- workflow env ---------------------------------------------------------------------------------

def test_a_missing_workflow_env_var_is_reported(module, workflow_env):
    del module.resources["google_workflows_workflow"]["book"]["user_env_vars"]["BOOKGEN_STEP_TIMEOUT_S"]
    assert reported(checks.check_workflow_env(module, workflow_env), "lacks BOOKGEN_STEP_TIMEOUT_S")


def test_a_step_url_pointing_at_another_step_is_reported(module, workflow_env):
    env = module.resources["google_workflows_workflow"]["book"]["user_env_vars"]
    env["BOOKGEN_ASSEMBLE_URL"] = env["BOOKGEN_PUBLISH_URL"]
    assert reported(checks.check_workflow_env(module, workflow_env), "BOOKGEN_ASSEMBLE_URL", "assemble function")


def test_an_inline_workflow_source_is_reported(module, workflow_env):
    module.resources["google_workflows_workflow"]["book"]["source_contents"] = "main: {steps: []}"
    assert reported(checks.check_workflow_env(module, workflow_env), "source_contents")


def test_workflow_env_names_come_from_the_yaml(tmp_path):
    wf = tmp_path / "book.yaml"
    wf.write_text('main:\n  steps:\n    - a:\n        assign:\n          - x: ${sys.get_env("BOOKGEN_NEW")}\n'
                  '          - y: ${sys.get_env("GOOGLE_CLOUD_PROJECT_ID")}\n')
    assert checks.workflow_env_names(wf) == {"BOOKGEN_NEW"}


# --- the workflow invokes the functions ------------------------------------------------------------

def test_no_invoker_grant_is_reported(module):
    del module.resources["google_cloud_run_v2_service_iam_member"]["workflow_invokes_step"]
    problems = checks.check_workflow_invokes_functions(module)
    assert len(problems) == 4 and reported(problems, "roles/run.invoker", '["publish"]')


def test_invoker_granted_to_another_identity_is_reported(module):
    grant = module.resources["google_cloud_run_v2_service_iam_member"]["workflow_invokes_step"]
    grant["member"] = '${google_service_account.sa["functions"].member}'
    assert reported(checks.check_workflow_invokes_functions(module), "sa[workflow]", "lacks roles/run.invoker")


def test_cloudfunctions_invoker_instead_of_run_invoker_is_reported(module):
    grant = module.resources["google_cloud_run_v2_service_iam_member"]["workflow_invokes_step"]
    grant["role"] = "roles/cloudfunctions.invoker"
    assert reported(checks.check_workflow_invokes_functions(module), "lacks roles/run.invoker")


def test_invoker_on_one_function_only_is_reported(module):
    grant = module.resources["google_cloud_run_v2_service_iam_member"]["workflow_invokes_step"]
    del grant["for_each"]
    grant["name"] = '${google_cloudfunctions2_function.step["outline"].name}'
    problems = checks.check_workflow_invokes_functions(module)
    assert len(problems) == 3 and not reported(problems, '["outline"]')


def test_workflow_running_as_another_identity_is_reported(module):
    module.resources["google_workflows_workflow"]["book"]["service_account"] = '${google_service_account.sa["api"].id}'
    assert reported(checks.check_workflow_invokes_functions(module), "sa[api]")


# --- Eventarc --------------------------------------------------------------------------------------

@pytest.mark.parametrize("grant, role", [("eventarc_workflows_invoker", "roles/workflows.invoker"),
                                         ("eventarc_event_receiver", "roles/eventarc.eventReceiver")])
def test_eventarc_missing_a_role_is_reported(module, grant, role):
    del module.locals["project_grants"][grant]
    assert reported(checks.check_eventarc(module), "sa[eventarc]", role)


def test_eventarc_running_as_another_identity_is_reported(module):
    module.resources["google_eventarc_trigger"]["book_requests"]["service_account"] = (
        '${google_service_account.sa["functions"].email}')
    problems = checks.check_eventarc(module)
    assert reported(problems, "roles/workflows.invoker") and reported(problems, "roles/eventarc.eventReceiver")


def test_eventarc_on_another_topic_is_reported(module):
    trigger = module.resources["google_eventarc_trigger"]["book_requests"]
    trigger["transport"][0]["pubsub"][0]["topic"] = '${google_pubsub_topic.topic["book-notifications"].id}'
    assert reported(checks.check_eventarc(module), "not book-requests")


def test_eventarc_to_another_destination_is_reported(module):
    trigger = module.resources["google_eventarc_trigger"]["book_requests"]
    trigger["destination"] = [{"cloud_run_service": [{"service": "x"}]}]
    assert reported(checks.check_eventarc(module), "destination")


# --- the OpenAI secret -----------------------------------------------------------------------------

def test_secret_without_accessor_role_is_reported(module):
    module.resources["google_secret_manager_secret_iam_member"]["functions_openai"]["role"] = (
        "roles/secretmanager.viewer")
    assert reported(checks.check_secret_access(module), "lacks roles/secretmanager.secretAccessor")


def test_secret_granted_to_another_identity_is_reported(module):
    module.resources["google_secret_manager_secret_iam_member"]["functions_openai"]["member"] = (
        '${google_service_account.sa["workflow"].member}')
    assert reported(checks.check_secret_access(module), "sa[functions]", "secretAccessor")


def test_key_not_from_secret_manager_is_reported(module):
    del module.resources[FN]["step"]["service_config"][0]["secret_environment_variables"]
    assert reported(checks.check_secret_access(module), "OPENAI_API_KEY must come from")


# --- nothing public --------------------------------------------------------------------------------

def test_a_public_member_is_reported(module):
    module.resources["google_storage_bucket_iam_member"]["api_processed"]["member"] = "allUsers"
    assert reported(checks.check_nothing_public(module), "api_processed", "allUsers")


def test_all_authenticated_users_is_reported(module):
    module.resources["google_cloud_run_v2_service_iam_member"]["workflow_invokes_step"]["member"] = (
        "allAuthenticatedUsers")
    assert reported(checks.check_nothing_public(module), "allAuthenticatedUsers")


def test_a_basic_role_is_reported(module):
    module.locals["project_grants"]["functions_bigquery_job_user"]["role"] = "roles/editor"
    assert reported(checks.check_nothing_public(module), "roles/editor")


def test_public_access_prevention_not_enforced_is_reported(module):
    module.resources["google_storage_bucket"]["processed"]["public_access_prevention"] = "inherited"
    assert reported(checks.check_nothing_public(module), "google_storage_bucket.processed", "enforced")


def test_public_function_ingress_is_reported(module):
    module.resources[FN]["step"]["service_config"][0]["ingress_settings"] = "ALLOW_ALL"
    assert reported(checks.check_nothing_public(module), "ALLOW_ALL")


def test_bucket_without_uniform_access_is_reported(module):
    module.resources["google_storage_bucket"]["raw"]["uniform_bucket_level_access"] = False
    assert reported(checks.check_buckets(module), "google_storage_bucket.raw")


# --- lifecycle and dead letters --------------------------------------------------------------------

def test_raw_without_cache_expiry_is_reported(module):
    rules = module.resources["google_storage_bucket"]["raw"]["lifecycle_rule"]
    module.resources["google_storage_bucket"]["raw"]["lifecycle_rule"] = [
        r for r in rules if r["action"][0]["type"] != "Delete"]
    assert reported(checks.check_raw_lifecycle(module), "raw/cache/")


def test_raw_moving_to_coldline_is_reported(module):
    for rule in module.resources["google_storage_bucket"]["raw"]["lifecycle_rule"]:
        if rule["action"][0]["type"] == "SetStorageClass":
            rule["action"][0]["storage_class"] = "COLDLINE"
    assert reported(checks.check_raw_lifecycle(module), "NEARLINE")


def test_missing_dead_letter_topics_are_reported(module):
    del module.resources["google_pubsub_topic"]["dead_letter"]
    problems = checks.check_dead_letters(module)
    assert reported(problems, "book-requests has no dead-letter topic")
    assert reported(problems, "book-notifications has no dead-letter topic")


def test_dead_letter_topic_without_subscription_is_reported(module):
    del module.resources["google_pubsub_subscription"]["dead_letter"]
    assert reported(checks.check_dead_letters(module), "has no subscription")


def test_dead_letter_topic_pubsub_cannot_publish_to_is_reported(module):
    del module.resources["google_pubsub_topic_iam_member"]["pubsub_agent_dead_letter"]
    assert reported(checks.check_dead_letters(module), "cannot publish to")


def test_notifier_without_dead_letter_policy_is_reported(module):
    del module.resources["google_pubsub_subscription"]["notifier"]["dead_letter_policy"]
    assert reported(checks.check_dead_letters(module), "notifier", "dead_letter_policy")


# --- BigQuery --------------------------------------------------------------------------------------

@pytest.fixture
def module_copy(tmp_path):
    """A temporary copy of terraform/ (its schema files included), parsed with the real repository root."""
    target = tmp_path / "terraform"
    shutil.copytree(REPO_ROOT / "terraform", target, ignore=shutil.ignore_patterns(".terraform*", "*.tfstate*"))
    return target


def test_a_dropped_column_is_reported(module_copy):
    path = module_copy / "schemas" / "llm_calls.json"
    fields = json.loads(path.read_text())
    path.write_text(json.dumps([f for f in fields if f["name"] != "cached_tokens"]))
    module = hcl.load(module_copy)
    assert reported(checks.check_bigquery_tables(module, schema.TABLES, schema.REFERENCE_TABLES),
                    "llm_calls", "cached_tokens")


def test_a_changed_column_type_is_reported(module_copy):
    path = module_copy / "schemas" / "books.json"
    fields = json.loads(path.read_text())
    for f in fields:
        if f["name"] == "reader_age":
            f["type"] = "STRING"
    path.write_text(json.dumps(fields))
    module = hcl.load(module_copy)
    assert reported(checks.check_bigquery_tables(module, schema.TABLES, schema.REFERENCE_TABLES), "reader_age")


def test_a_missing_table_is_reported(module):
    del module.locals["tables"]["step_runs"]
    assert reported(checks.check_bigquery_tables(module, schema.TABLES, schema.REFERENCE_TABLES),
                    "step_runs is not declared")


def test_a_missing_reference_table_is_reported(module):
    del module.resources["google_bigquery_table"]["reference"]
    assert reported(checks.check_bigquery_tables(module, schema.TABLES, schema.REFERENCE_TABLES),
                    "model_prices is not declared")


def test_an_unpartitioned_table_is_reported(module):
    del module.resources["google_bigquery_table"]["table"]["time_partitioning"]
    assert reported(checks.check_bigquery_tables(module, schema.TABLES, schema.REFERENCE_TABLES),
                    "partitioned by DAY")


def test_wrong_clustering_is_reported(module):
    module.locals["tables"]["llm_calls"]["clustering"] = ["model"]
    assert reported(checks.check_bigquery_tables(module, schema.TABLES, schema.REFERENCE_TABLES),
                    "llm_calls", "clustering")


def test_a_missing_view_is_reported(module, sql_dir):
    del module.locals["views_level2"]["user_patterns"]
    assert reported(checks.check_views(module, sql_dir, schema.VIEWS), "user_patterns is not declared")


def test_a_view_created_before_the_view_it_reads_is_reported(module, sql_dir):
    module.locals["views_level2"]["books_latest"] = module.locals["views_level1"].pop("books_latest")
    assert reported(checks.check_views(module, sql_dir, schema.VIEWS), "reads view books_latest")


def test_level2_without_depends_on_is_reported(module, sql_dir):
    del module.resources["google_bigquery_table"]["view_level2"]["depends_on"]
    assert reported(checks.check_views(module, sql_dir, schema.VIEWS), "view_level2", "reads")


def test_a_view_built_from_another_file_is_reported(module, sql_dir):
    module.locals["views_level1"]["token_usage"] = "cost_per_day.sql"
    assert reported(checks.check_views(module, sql_dir, schema.VIEWS), "token_usage.sql")


def test_legacy_sql_view_is_reported(module, sql_dir):
    module.resources["google_bigquery_table"]["view_level1"]["view"][0]["use_legacy_sql"] = True
    assert reported(checks.check_views(module, sql_dir, schema.VIEWS), "use_legacy_sql")


# --- variables, deletion protection, data sources, comments ----------------------------------------

def test_a_variable_without_description_is_reported(module):
    del module.variables["region"]["description"]
    assert checks.check_variables(module) == ["variable region has no description"]


def test_a_variable_without_type_is_reported(module):
    del module.variables["prefix"]["type"]
    assert checks.check_variables(module) == ["variable prefix has no type"]


def test_implicit_deletion_protection_is_reported(module):
    del module.resources["google_workflows_workflow"]["book"]["deletion_protection"]
    assert reported(checks.check_deletion_protection(module), "google_workflows_workflow.book")


def test_a_data_source_is_reported(module):
    texts = dict(module.texts, **{"extra.tf": 'data "google_project" "this" {}\n'})
    assert reported(checks.check_no_data_sources(hcl.parse(texts, module.dir)), "data.google_project.this")


def test_a_role_without_reason_is_reported(module):
    text = module.texts["iam.tf"]
    reason = "      # Start an execution per event (workflows.executions.create); Workflows has no per-workflow IAM.\n"
    assert reason in text
    problems = checks.check_roles_commented(dict(module.texts, **{"iam.tf": text.replace(reason, "")}))
    assert reported(problems, "iam.tf", "roles/workflows.invoker")
