# The Docker repository the API and notifier images are pushed to (api/cloudbuild.yaml,
# notifier/cloudbuild.yaml): REGION-docker.pkg.dev/PROJECT/<prefix>bookgen/{api,notifier}:TAG (output
# image_repository). Cloud Run pulls from it with its service agent, which reads repositories of its own project.
# Images can always be rebuilt from the repository, so nothing protects them from terraform destroy.
resource "google_artifact_registry_repository" "images" {
  project       = var.project_id
  location      = var.region
  repository_id = "${local.prefix}bookgen"
  format        = "DOCKER"
  description   = "bookgen: container images of the REST API and the notifier (Cloud Run)."
  depends_on    = [google_project_service.api]
}
