# workflows/book.yaml, deployed as is: file() does not interpolate, so its ${...} expressions need no $$
# escaping. Everything it reads with sys.get_env comes from user_env_vars (tests/terraform checks both sides).

locals {
  # The workflow waits a little longer than a step may run; Workflows caps one HTTP call at 1800 s.
  step_timeout_s = min(1800, max([for c in values(local.function_config) : c.timeout_seconds]...) + 30)
}

resource "google_workflows_workflow" "book" {
  project                 = var.project_id
  name                    = "${local.prefix}book"
  region                  = var.region
  description             = "bookgen: one personalized book per execution (outline, chapters, assemble, publish)."
  service_account         = google_service_account.sa["workflow"].id
  call_log_level          = var.workflow_call_log_level
  execution_history_level = var.workflow_execution_history_level
  deletion_protection     = var.deletion_protection
  source_contents         = file("${local.repo_root}/workflows/book.yaml")

  user_env_vars = {
    BOOKGEN_OUTLINE_URL         = google_cloudfunctions2_function.step["outline"].service_config[0].uri
    BOOKGEN_CHAPTERS_URL        = google_cloudfunctions2_function.step["chapters"].service_config[0].uri
    BOOKGEN_ASSEMBLE_URL        = google_cloudfunctions2_function.step["assemble"].service_config[0].uri
    BOOKGEN_PUBLISH_URL         = google_cloudfunctions2_function.step["publish"].service_config[0].uri
    BOOKGEN_CHAPTER_CONCURRENCY = tostring(var.chapter_concurrency)
    BOOKGEN_STEP_TIMEOUT_S      = tostring(local.step_timeout_s)
  }

  lifecycle {
    precondition {
      condition     = length(file("${local.repo_root}/workflows/book.yaml")) <= 131072
      error_message = "workflows/book.yaml is over the 128 KB Workflows source limit."
    }
  }

  depends_on = [google_project_iam_member.grant]
}
