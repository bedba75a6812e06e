"""The REST API and notifier services: the real module satisfies every rule of service_checks.py, and each rule
reports the break when one link is removed from a copy of the module (or of the build files)."""

from __future__ import annotations

import shutil

import pytest

pytest.importorskip("hcl2", reason="python-hcl2 is not installed (a dev dependency: pip install python-hcl2)")

from bookgen.settings import Settings  # noqa: E402
from tests.terraform import checks  # noqa: E402
from tests.terraform import service_checks as sc  # noqa: E402
from tests.terraform.conftest import REPO_ROOT  # noqa: E402

RUN = "google_cloud_run_v2_service"
RUN_IAM = "google_cloud_run_v2_service_iam_member"
SETTINGS = set(Settings.model_fields)
WEBHOOK_DEFAULTS = {f"BOOKGEN_{f.upper()}": Settings.model_fields[f].default
                    for f in ("webhook_max_attempts", "webhook_max_backoff_s", "webhook_timeout_s")}


def reported(problems: list[str], *fragments: str) -> bool:
    return any(all(f in p for f in fragments) for p in problems)


def spec(module, name: str) -> dict:
    return module.resources[RUN][name]["template"][0]["containers"][0]


def push(module) -> dict:
    return module.resources["google_pubsub_subscription"]["notifier"]["push_config"][0]


# --- the real module ------------------------------------------------------------------------------

def test_the_services_read_what_their_adapters_need(module):
    assert sc.check_service_env(module) == []
    assert sc.check_env_names_are_settings(module, SETTINGS) == []


def test_each_service_runs_as_its_own_account(module):
    assert sc.check_service_identities(module) == []


def test_the_services_read_the_api_keys_secret(module):
    assert sc.check_service_secrets(module) == []


def test_the_api_publishes_requests_and_signs_urls_only(module):
    assert sc.check_api_grants(module) == []


def test_the_services_hold_the_bucket_roles_they_use(module):
    assert sc.check_service_buckets(module) == []


def test_the_api_is_public_and_the_notifier_is_not(module):
    assert sc.check_service_access(module) == []


def test_book_notifications_push_to_the_notifier(module):
    assert sc.check_notifier_push(module) == []


def test_webhook_retry_budget_uses_the_settings_defaults(module):
    assert set(WEBHOOK_DEFAULTS.values()) != {None}  # the fields exist in Settings
    assert sc.check_webhook_defaults(module, WEBHOOK_DEFAULTS) == []


def test_images_scaling_and_outputs_come_from_variables(module):
    assert sc.check_service_images(module) == []
    assert sc.check_service_scaling(module) == []
    assert sc.check_service_outputs(module) == []


def test_scaling_defaults(module):
    assert {f: sc.optional_default(module, "api_scaling", f) for f in ("concurrency", "max_instances")} == {
        "concurrency": 80, "max_instances": 10}
    assert {f: sc.optional_default(module, "notifier_scaling", f) for f in ("concurrency", "timeout_seconds")} == {
        "concurrency": 20, "timeout_seconds": 600}


def test_container_builds():
    assert sc.check_container_builds(REPO_ROOT) == []


# --- env ------------------------------------------------------------------------------------------

def test_a_missing_service_setting_is_reported(module):
    del module.locals["api_env"]["BOOKGEN_REQUESTS_TOPIC"]
    assert reported(sc.check_service_env(module), f"{RUN}.api", "lacks BOOKGEN_REQUESTS_TOPIC")


def test_requests_topic_pointing_at_notifications_is_reported(module):
    module.locals["api_env"]["BOOKGEN_REQUESTS_TOPIC"] = '${google_pubsub_topic.topic["book-notifications"].id}'
    assert reported(sc.check_service_env(module), "BOOKGEN_REQUESTS_TOPIC", "book-requests")


def test_notifier_without_the_api_url_is_reported(module):
    module.locals["notifier_env"]["BOOKGEN_API_PUBLIC_URL"] = "${var.api_public_url}"
    assert reported(sc.check_service_env(module), f"{RUN}.notifier", "BOOKGEN_API_PUBLIC_URL")


def test_user_env_overriding_the_service_settings_is_reported(module):
    spec(module, "notifier")["dynamic"][0]["env"]["for_each"] = "${merge(local.notifier_env, var.notifier_env)}"
    assert reported(sc.check_service_env(module), "var.notifier_env must come before")


def test_env_not_from_the_local_map_is_reported(module):
    spec(module, "api")["dynamic"][0]["env"]["for_each"] = "${var.api_env}"
    problems = sc.check_service_env(module)
    assert reported(problems, "must iterate merge") and reported(problems, "lacks BOOKGEN_STORAGE")


def test_api_public_url_from_elsewhere_is_reported(module):
    env = spec(module, "api")["dynamic"][0]["env"]
    env["for_each"] = env["for_each"].replace("= var.api_public_url}", "= google_cloud_run_v2_service.api.uri}")
    assert reported(sc.check_service_env(module), "must come from var.api_public_url")


def test_a_misspelt_setting_is_reported(module):
    module.locals["notifier_env"]["BOOKGEN_API_PUBLICURL"] = module.locals["notifier_env"].pop("BOOKGEN_API_PUBLIC_URL")
    assert reported(sc.check_env_names_are_settings(module, SETTINGS), "BOOKGEN_API_PUBLICURL", "not a bookgen setting")


# --- identities, secrets, grants ------------------------------------------------------------------

def test_a_service_running_as_another_identity_is_reported(module):
    module.resources[RUN]["notifier"]["template"][0]["service_account"] = '${google_service_account.sa["api"].email}'
    assert reported(sc.check_service_identities(module), f"{RUN}.notifier runs as sa[api]")


def test_api_keys_as_a_plain_value_are_reported(module):
    spec(module, "api")["env"] = [{"name": "BOOKGEN_API_KEYS", "value": "${var.api_keys}"}]
    assert reported(sc.check_service_secrets(module), f"{RUN}.api", "must come from value_source")


def test_api_keys_from_the_openai_secret_are_reported(module):
    ref = spec(module, "notifier")["env"][0]["value_source"][0]["secret_key_ref"][0]
    ref["secret"] = "${google_secret_manager_secret.openai.secret_id}"
    assert reported(sc.check_service_secrets(module), f"{RUN}.notifier", "api_keys")


def test_a_service_that_cannot_read_the_secret_is_reported(module):
    del module.resources["google_secret_manager_secret_iam_member"]["notifier_api_keys"]
    assert reported(sc.check_service_secrets(module), "sa[notifier]", "lacks roles/secretmanager.secretAccessor")


def test_a_service_deployed_before_its_secret_grant_is_reported(module):
    del module.resources[RUN]["api"]["depends_on"]
    assert reported(sc.check_service_secrets(module), f"{RUN}.api", "must depend_on")


def test_a_project_wide_secret_accessor_is_reported(module):
    module.locals["project_grants"]["api_secrets"] = {"sa": "api", "role": "roles/secretmanager.secretAccessor"}
    assert reported(sc.check_service_secrets(module), "granted on the project")


def test_a_secret_version_in_terraform_is_reported(module):
    module.resources["google_secret_manager_secret_version"] = {"api_keys": {"secret_data": "${var.keys}"}}
    assert reported(sc.check_service_secrets(module), "secret_version.api_keys", "must not pass through Terraform")


def test_api_publishing_to_notifications_is_reported(module):
    grant = module.resources["google_pubsub_topic_iam_member"]["api_requests"]
    grant["topic"] = '${google_pubsub_topic.topic["book-notifications"].name}'
    problems = sc.check_api_grants(module)
    assert reported(problems, "cannot publish to book-requests") and reported(problems, "book-notifications")


def test_api_without_signblob_is_reported(module):
    del module.resources["google_service_account_iam_member"]["api_signs_urls"]
    assert reported(sc.check_api_grants(module), "lacks roles/iam.serviceAccountTokenCreator on itself")


def test_api_token_creator_on_another_account_is_reported(module):
    module.resources["google_service_account_iam_member"]["api_signs_urls"]["service_account_id"] = (
        '${google_service_account.sa["functions"].name}')
    assert reported(sc.check_api_grants(module), "on itself")


def test_iamcredentials_api_disabled_is_reported(module):
    del module.locals["apis"]["iamcredentials.googleapis.com"]
    assert reported(sc.check_api_grants(module), "iamcredentials.googleapis.com")


def test_a_project_role_of_the_api_is_reported(module):
    module.locals["project_grants"]["api_tokens"] = {"sa": "api", "role": "roles/iam.serviceAccountTokenCreator"}
    assert reported(sc.check_api_grants(module), "project-level role roles/iam.serviceAccountTokenCreator")


def test_the_api_writing_processed_is_reported(module):
    module.resources["google_storage_bucket_iam_member"]["api_processed"]["role"] = "roles/storage.objectUser"
    assert reported(sc.check_service_buckets(module), "api service", "processed bucket")


def test_the_notifier_unable_to_record_deliveries_is_reported(module):
    del module.resources["google_storage_bucket_iam_member"]["notifier_raw"]
    assert reported(sc.check_service_buckets(module), "notifier service", "raw bucket", "objectUser")


def test_a_service_on_an_unused_bucket_is_reported(module):
    grant = dict(module.resources["google_storage_bucket_iam_member"]["notifier_raw"])
    grant["bucket"] = "${google_storage_bucket.sources.name}"
    module.resources["google_storage_bucket_iam_member"]["notifier_sources"] = grant
    assert reported(sc.check_service_buckets(module), "sources bucket", "does not use")


# --- public or not --------------------------------------------------------------------------------

def test_an_unguarded_public_api_is_reported(module):
    grant = module.resources[RUN_IAM]["api_public"]
    grant["for_each"] = '${{public = "allUsers"}}'
    assert reported(sc.check_service_access(module), "guarded by var.api_public")
    assert reported(checks.check_nothing_public(module), "api_public", "allUsers")


def test_a_public_notifier_is_reported(module):
    grant = module.resources[RUN_IAM]["api_public"]
    grant["name"] = "${google_cloud_run_v2_service.notifier.name}"
    problems = sc.check_service_access(module)
    assert reported(problems, "expected one public run.invoker grant on google_cloud_run_v2_service.api, found 0")
    assert reported(problems, f"{RUN}.notifier: invoked by")
    assert reported(checks.check_nothing_public(module), "api_public", "allUsers")


def test_a_public_grant_of_another_role_is_reported(module):
    module.resources[RUN_IAM]["api_public"]["role"] = "roles/run.developer"
    assert reported(checks.check_nothing_public(module), "api_public", "allUsers")
    assert reported(sc.check_service_access(module), "expected one public run.invoker grant")


def test_api_private_by_default_is_reported(module):
    module.variables["api_public"]["default"] = False
    assert reported(sc.check_service_access(module), "api_public must default to true")


def test_notifier_without_invoker_check_is_reported(module):
    module.resources[RUN]["notifier"]["invoker_iam_disabled"] = True
    assert reported(sc.check_service_access(module), "invoker_iam_disabled")


def test_a_second_notifier_invoker_is_reported(module):
    grant = dict(module.resources[RUN_IAM]["push_invokes_notifier"])
    grant["member"] = '${google_service_account.sa["functions"].member}'
    module.resources[RUN_IAM]["functions_invoke_notifier"] = grant
    assert reported(sc.check_service_access(module), "exactly one identity")


def test_project_wide_run_invoker_is_reported(module):
    module.locals["project_grants"]["push_invoker"] = {"sa": "push", "role": "roles/run.invoker"}
    assert reported(sc.check_service_access(module), "invoke every service")


# --- the push subscription ------------------------------------------------------------------------

def test_a_pull_subscription_is_reported(module):
    del module.resources["google_pubsub_subscription"]["notifier"]["push_config"]
    assert reported(sc.check_notifier_push(module), "no push_config")


def test_push_to_the_wrong_path_is_reported(module):
    push(module)["push_endpoint"] = "${google_cloud_run_v2_service.notifier.uri}/"
    assert reported(sc.check_notifier_push(module), "/pubsub/push")


def test_push_to_the_api_is_reported(module):
    push(module)["push_endpoint"] = "${google_cloud_run_v2_service.api.uri}/pubsub/push"
    assert reported(sc.check_notifier_push(module), "push_endpoint")


def test_push_without_a_token_is_reported(module):
    del push(module)["oidc_token"]
    assert reported(sc.check_notifier_push(module), "needs an oidc_token")


def test_a_token_for_another_audience_is_reported(module):
    push(module)["oidc_token"][0]["audience"] = "${google_cloud_run_v2_service.api.uri}"
    assert reported(sc.check_notifier_push(module), "audience")


def test_a_push_identity_that_cannot_invoke_is_reported(module):
    push(module)["oidc_token"][0]["service_account_email"] = '${google_service_account.sa["notifier"].email}'
    problems = sc.check_notifier_push(module)
    assert reported(problems, "sa[notifier]", "lacks roles/run.invoker")
    assert reported(problems, "Pub/Sub service agent", "sa[notifier]")


def test_pubsub_unable_to_mint_tokens_is_reported(module):
    del module.resources["google_service_account_iam_member"]["pubsub_agent_push_tokens"]
    assert reported(sc.check_notifier_push(module), "Pub/Sub service agent lacks")


def test_push_before_the_invoker_grant_is_reported(module):
    module.resources["google_pubsub_subscription"]["notifier"]["depends_on"] = []
    assert reported(sc.check_notifier_push(module), "must depend_on", "push_invokes_notifier")


def test_ack_deadline_shorter_than_the_timeout_is_reported(module):
    module.resources["google_pubsub_subscription"]["notifier"]["ack_deadline_seconds"] = 60
    assert reported(sc.check_notifier_push(module), "ack_deadline_seconds")


def test_push_without_retry_policy_is_reported(module):
    del module.resources["google_pubsub_subscription"]["notifier"]["retry_policy"]
    assert reported(sc.check_notifier_push(module), "retry_policy must stay")


def test_stale_webhook_defaults_are_reported(module):
    module.locals["webhook_defaults"]["BOOKGEN_WEBHOOK_TIMEOUT_S"] = "5.0"
    assert reported(sc.check_webhook_defaults(module, WEBHOOK_DEFAULTS), "BOOKGEN_WEBHOOK_TIMEOUT_S")


def test_notifier_without_budget_precondition_is_reported(module):
    del module.resources[RUN]["notifier"]["lifecycle"]
    assert reported(sc.check_webhook_defaults(module, WEBHOOK_DEFAULTS), "no precondition")


# --- images, scaling, outputs ---------------------------------------------------------------------

def test_a_hard_coded_image_is_reported(module):
    spec(module, "api")["image"] = "us-docker.pkg.dev/cloudrun/container/hello"
    assert reported(sc.check_service_images(module), f"{RUN}.api", "var.api_image")


def test_an_image_variable_with_a_default_is_reported(module):
    module.variables["notifier_image"]["default"] = "gcr.io/p/notifier:latest"
    assert reported(sc.check_service_images(module), "notifier_image must be required")


def test_notifier_concurrency_from_the_api_is_reported(module):
    module.resources[RUN]["notifier"]["template"][0]["max_instance_request_concurrency"] = (
        "${var.api_scaling.concurrency}")
    assert reported(sc.check_service_scaling(module), f"{RUN}.notifier", "max_instance_request_concurrency")


def test_a_service_without_instance_limit_is_reported(module):
    del module.resources[RUN]["api"]["template"][0]["scaling"]
    assert reported(sc.check_service_scaling(module), "scaling.max_instance_count")


def test_a_missing_output_is_reported(module):
    del module.outputs["notifier_url"]
    assert reported(sc.check_service_outputs(module), "output notifier_url")


def test_implicit_service_deletion_protection_is_reported(module):
    del module.resources[RUN]["api"]["deletion_protection"]
    assert reported(checks.check_deletion_protection(module), f"{RUN}.api")


# --- container builds -----------------------------------------------------------------------------

@pytest.fixture
def repo_copy(tmp_path):
    """The build files of a temporary repository root."""
    for name in ("api", "notifier"):
        shutil.copytree(REPO_ROOT / name, tmp_path / name)
    shutil.copy(REPO_ROOT / ".dockerignore", tmp_path / ".dockerignore")
    assert sc.check_container_builds(tmp_path) == []
    return tmp_path


def edit(path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new))


def test_a_root_container_is_reported(repo_copy):
    edit(repo_copy / "api" / "Dockerfile", "USER 10001", "USER root")
    assert reported(sc.check_container_builds(repo_copy), "api/Dockerfile", "non-root")


def test_a_wrong_app_factory_is_reported(repo_copy):
    edit(repo_copy / "notifier" / "Dockerfile", "bookgen.notifier.app:create_app", "bookgen.api.app:create_app")
    assert reported(sc.check_container_builds(repo_copy), "notifier/Dockerfile", "CMD")


def test_exec_form_cmd_is_reported(repo_copy):
    path = repo_copy / "api" / "Dockerfile"
    text = path.read_text("utf-8")
    cmd = next(line for line in text.splitlines() if line.startswith("CMD "))
    path.write_text(text.replace(cmd, 'CMD ["uvicorn", "--factory", "bookgen.api.app:create_app", "--port", "8080"]'))
    assert reported(sc.check_container_builds(repo_copy), "api/Dockerfile", "CMD")


def test_install_without_the_api_extra_is_reported(repo_copy):
    edit(repo_copy / "api" / "Dockerfile", "'.[gcp,api]'", "'.[gcp]'")
    assert reported(sc.check_container_builds(repo_copy), "api/Dockerfile", "'.[gcp,api]'")


def test_cloudbuild_of_the_other_dockerfile_is_reported(repo_copy):
    edit(repo_copy / "notifier" / "cloudbuild.yaml", '"notifier/Dockerfile"', '"api/Dockerfile"')
    assert reported(sc.check_container_builds(repo_copy), "notifier/cloudbuild.yaml", "notifier/Dockerfile")


def test_cloudbuild_not_pushing_is_reported(repo_copy):
    path = repo_copy / "api" / "cloudbuild.yaml"
    path.write_text(path.read_text("utf-8").split("images:")[0])
    assert reported(sc.check_container_builds(repo_copy), "api/cloudbuild.yaml", "push")


def test_dockerignore_keeping_the_venv_is_reported(repo_copy):
    edit(repo_copy / ".dockerignore", "/.venv\n", "")
    assert reported(sc.check_container_builds(repo_copy), ".dockerignore", ".venv")
