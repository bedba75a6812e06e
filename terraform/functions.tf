# One Cloud Function (2nd gen) per pipeline step, built by Cloud Build from build/steps/<step>.zip
# (`make bundle`). Entry point = the step name; ingress is internal: only the workflow calls them.

locals {
  bundle_dir = coalesce(var.bundle_dir, "${local.repo_root}/build/steps")

  # function_scaling, with the non-null fields of function_scaling_overrides[step] on top.
  function_config = {
    for step in keys(local.steps) : step => merge(
      var.function_scaling,
      { for k, v in try(var.function_scaling_overrides[step], {}) : k => v if v != null }
    )
  }

  # The settings the adapters read (BOOKGEN_*); they win over var.function_env.
  function_env = {
    BOOKGEN_STORAGE             = "gcs"
    BOOKGEN_RAW_BUCKET          = google_storage_bucket.raw.name
    BOOKGEN_PROCESSED_BUCKET    = google_storage_bucket.processed.name
    BOOKGEN_ANALYTICS           = "bigquery"
    BOOKGEN_BQ_DATASET          = google_bigquery_dataset.analytics.dataset_id
    BOOKGEN_EVENTS              = "pubsub"
    BOOKGEN_NOTIFICATIONS_TOPIC = google_pubsub_topic.topic["book-notifications"].id
    BOOKGEN_LLM_PROVIDER        = "openai"
    BOOKGEN_OPENAI_MODEL        = var.openai_model
    BOOKGEN_CHAPTER_CONCURRENCY = tostring(var.chapter_concurrency)
    BOOKGEN_GCP_PROJECT         = var.project_id
    GOOGLE_CLOUD_PROJECT        = var.project_id
    # functions-framework: put the request's execution id on every log line.
    LOG_EXECUTION_ID = "true"
  }
}

resource "google_storage_bucket" "sources" {
  name                        = "${var.project_id}-${local.prefix}bookgen-sources"
  project                     = var.project_id
  location                    = var.region
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  # Build inputs only: the function zips can always be rebuilt.
  force_destroy = true
  depends_on    = [google_project_service.api]
}

resource "google_storage_bucket_object" "bundle" {
  for_each = local.steps
  # The zip's MD5 is part of the name: a changed bundle is a new object, which redeploys the function
  # (with a fixed name the provider does not notice new contents, terraform-provider-google#1938).
  name   = "${each.key}-${filemd5("${local.bundle_dir}/${each.key}.zip")}.zip"
  bucket = google_storage_bucket.sources.name
  source = "${local.bundle_dir}/${each.key}.zip"
}

resource "google_cloudfunctions2_function" "step" {
  for_each    = local.steps
  project     = var.project_id
  name        = "${local.prefix}${each.key}"
  location    = var.region
  description = each.value.description

  build_config {
    runtime         = var.python_runtime
    entry_point     = each.key
    service_account = google_service_account.sa["build"].id
    source {
      storage_source {
        bucket = google_storage_bucket.sources.name
        object = google_storage_bucket_object.bundle[each.key].name
      }
    }
  }

  service_config {
    available_cpu                    = local.function_config[each.key].cpu
    available_memory                 = local.function_config[each.key].memory
    min_instance_count               = local.function_config[each.key].min_instances
    max_instance_count               = local.function_config[each.key].max_instances
    max_instance_request_concurrency = local.function_config[each.key].concurrency
    timeout_seconds                  = local.function_config[each.key].timeout_seconds
    ingress_settings                 = "ALLOW_INTERNAL_ONLY"
    all_traffic_on_latest_revision   = true
    service_account_email            = google_service_account.sa["functions"].email
    environment_variables = merge(var.function_env, local.function_env, {
      # functions-framework serves THREADS requests at once per instance (default 4 x vCPUs): match the concurrency.
      THREADS = tostring(local.function_config[each.key].concurrency)
    })

    secret_environment_variables {
      key        = "OPENAI_API_KEY"
      project_id = var.project_id
      secret     = google_secret_manager_secret.openai.secret_id
      version    = var.openai_secret_version
    }
  }

  lifecycle {
    precondition {
      condition     = alltrue([for step in keys(var.function_scaling_overrides) : contains(keys(local.steps), step)])
      error_message = "function_scaling_overrides has keys that are not steps (${join(", ", keys(local.steps))})."
    }
    precondition {
      condition     = local.function_config[each.key].min_instances <= local.function_config[each.key].max_instances
      error_message = "${each.key}: min_instances is above max_instances."
    }
  }

  depends_on = [
    # The service agent checks at deploy time that the runtime identity can read the secret,
    google_secret_manager_secret_iam_member.functions_openai,
    # and the build needs its identity's role.
    google_project_iam_member.grant,
  ]
}
