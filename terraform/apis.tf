locals {
  # Service => why bookgen needs it.
  apis = {
    "artifactregistry.googleapis.com"     = "container images of the step functions, the API and the notifier"
    "bigquery.googleapis.com"             = "analytics dataset, tables and views"
    "cloudbuild.googleapis.com"           = "builds the step functions and the API and notifier images"
    "cloudfunctions.googleapis.com"       = "the step functions (2nd gen)"
    "cloudresourcemanager.googleapis.com" = "project-level IAM grants"
    "eventarc.googleapis.com"             = "book-requests -> workflow trigger"
    "iam.googleapis.com"                  = "service accounts"
    "iamcredentials.googleapis.com"       = "the API signs download URLs with its service account (signBlob)"
    "logging.googleapis.com"              = "function, build and workflow logs"
    "pubsub.googleapis.com"               = "request and notification topics"
    "run.googleapis.com"                  = "2nd gen functions run as Cloud Run services; the API and notifier services"
    "secretmanager.googleapis.com"        = "the OpenAI API key and the API keys"
    "storage.googleapis.com"              = "raw, processed and source buckets"
    "workflowexecutions.googleapis.com"   = "starting and inspecting executions"
    "workflows.googleapis.com"            = "the book workflow"
  }
}

resource "google_project_service" "api" {
  for_each = local.apis
  project  = var.project_id
  service  = each.key
  # Other workloads in the project may use the same APIs: destroying bookgen leaves them enabled.
  disable_on_destroy = false
}
