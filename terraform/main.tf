# bookgen on Google Cloud: a flat root module, one file per concern.
#
#   apis.tf       project services
#   iam.tf        service accounts and every grant, each with its reason
#   storage.tf    buckets raw and processed (+ optional CMEK)
#   bigquery.tf   the analytics dataset: tables of DESIGN §6 and the views of src/bookgen/analytics/sql
#   pubsub.tf     book-requests, book-notifications and their dead-letter topics; the notifier's push subscription
#   secrets.tf    the OpenAI API key and the API keys (values are added out of band, never in Terraform state)
#   functions.tf  one Cloud Function (2nd gen) per steps/<name>/, from build/steps/<name>.zip
#   workflow.tf   workflows/book.yaml, with the step URLs as user_env_vars
#   eventarc.tf   book-requests -> workflow executions
#   images.tf     the Docker repository of the API and notifier images
#   api.tf        the REST API on Cloud Run, from var.api_image (api/Dockerfile)
#   notifier.tf   the webhook notifier on Cloud Run, from var.notifier_image (notifier/Dockerfile)
#
# Names carry var.prefix instead of random suffixes; bucket names also carry the project id because bucket
# names are global.

provider "google" {
  project        = var.project_id
  region         = var.region
  default_labels = merge(var.labels, { app = "bookgen" })
}

locals {
  prefix    = var.prefix == "" ? "" : "${var.prefix}-"
  repo_root = "${path.module}/.."

  # The pipeline's stages: one folder steps/<name>/, one Cloud Function whose entry point is <name>, one
  # workflow step, one key here (tests/terraform checks this map against steps/).
  steps = {
    outline  = { description = "bookgen outline: the story bible, one structured model call." }
    chapters = { description = "bookgen chapters: one chapter draft per call, fanned out by the workflow." }
    assemble = { description = "bookgen assemble: quality gates, bounded rewrites, rendering of every format." }
    publish  = { description = "bookgen publish: final files, manifest, books row, notification event." }
  }
}
