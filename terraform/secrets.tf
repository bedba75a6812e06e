# The OpenAI API key. Terraform creates the secret, never a version: a version's value would be stored in
# plain text in the Terraform state. Add it with `gcloud secrets versions add` (the README (Deploy to Google Cloud)).
resource "google_secret_manager_secret" "openai" {
  project             = var.project_id
  secret_id           = "${local.prefix}openai-api-key"
  deletion_protection = var.deletion_protection

  replication {
    auto {}
  }

  depends_on = [google_project_service.api]
}
