# Secrets. Terraform creates each secret, never a version: a version's value would be stored in plain text in
# the Terraform state. Add versions with `gcloud secrets versions add` (the README (Deploy to Google Cloud)).
# A Cloud Run service or function cannot deploy while a secret it reads has no version.

# The OpenAI API key, read by the step functions (OPENAI_API_KEY).
resource "google_secret_manager_secret" "openai" {
  project             = var.project_id
  secret_id           = "${local.prefix}openai-api-key"
  deletion_protection = var.deletion_protection

  replication {
    auto {}
  }

  depends_on = [google_project_service.api]
}

# The API keys document (BOOKGEN_API_KEYS): {"keys": [{"name", "sha256", limits, "webhook_secret"}]}, as
# `bookgen api-key create` writes it. Only hashes of the keys, but the webhook signing secrets in the clear:
# the API authenticates callers with it, the notifier signs their webhooks.
resource "google_secret_manager_secret" "api_keys" {
  project             = var.project_id
  secret_id           = "${local.prefix}api-keys"
  deletion_protection = var.deletion_protection

  replication {
    auto {}
  }

  depends_on = [google_project_service.api]
}
