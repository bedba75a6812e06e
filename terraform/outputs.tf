output "workflow" {
  description = "Name of the book workflow (gcloud workflows run NAME)."
  value       = google_workflows_workflow.book.name
}

output "region" {
  description = "Region of the workflow, functions and trigger (--location)."
  value       = var.region
}

output "function_uris" {
  description = "URL of each step function, by step (internal ingress: reachable by the workflow only)."
  value       = { for step, f in google_cloudfunctions2_function.step : step => f.service_config[0].uri }
}

output "requests_topic" {
  description = "Topic to publish {\"request\": {...}} messages to."
  value       = google_pubsub_topic.topic["book-requests"].name
}

output "notifications_topic" {
  description = "Topic of book ready / failed events."
  value       = google_pubsub_topic.topic["book-notifications"].id
}

output "dead_letter_subscriptions" {
  description = "Subscriptions holding dead-lettered messages, by source topic."
  value       = { for topic, s in google_pubsub_subscription.dead_letter : topic => s.name }
}

output "eventarc_subscription" {
  description = "The push subscription Eventarc created on book-requests (set its dead-letter policy with gcloud)."
  value       = google_eventarc_trigger.book_requests.transport[0].pubsub[0].subscription
}

output "raw_bucket" {
  description = "Bucket of raw/ objects."
  value       = google_storage_bucket.raw.name
}

output "processed_bucket" {
  description = "Bucket of processed/ objects: finished books and manifests."
  value       = google_storage_bucket.processed.name
}

output "bigquery_dataset" {
  description = "The analytics dataset as project.dataset (for bq query)."
  value       = "${var.project_id}.${google_bigquery_dataset.analytics.dataset_id}"
}

output "openai_secret" {
  description = "Secret Manager secret that holds the OpenAI API key (add a version with gcloud)."
  value       = google_secret_manager_secret.openai.secret_id
}

output "service_accounts" {
  description = "Email of each bookgen service account, by role."
  value       = { for k, sa in google_service_account.sa : k => sa.email }
}

output "api_url" {
  description = "URL of the REST API (Cloud Run)."
  value       = google_cloud_run_v2_service.api.uri
}

output "notifier_url" {
  description = "URL of the notifier (Cloud Run; only the push subscription may invoke it)."
  value       = google_cloud_run_v2_service.notifier.uri
}

output "api_keys_secret" {
  description = "Secret Manager secret that holds the API keys document (add a version with gcloud)."
  value       = google_secret_manager_secret.api_keys.secret_id
}

output "image_repository" {
  description = "Docker repository for the API and notifier images: push to <this>/api:TAG and <this>/notifier:TAG."
  value       = "${google_artifact_registry_repository.images.location}-docker.pkg.dev/${var.project_id}/${google_artifact_registry_repository.images.repository_id}"
}
