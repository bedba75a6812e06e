# The REST API (bookgen.api.app:create_app, image from api/Dockerfile) on Cloud Run. It authenticates callers
# itself with API keys (BOOKGEN_API_KEYS, from Secret Manager), so the service is public unless
# var.api_public = false. It stores the request and the submission record, enqueues the request on
# book-requests (Eventarc starts the workflow), and serves status and V4 signed download URLs.

locals {
  # The settings the API reads (BOOKGEN_*); they win over var.api_env.
  api_env = {
    BOOKGEN_STORAGE             = "gcs"
    BOOKGEN_RAW_BUCKET          = google_storage_bucket.raw.name
    BOOKGEN_PROCESSED_BUCKET    = google_storage_bucket.processed.name
    BOOKGEN_EVENTS              = "pubsub"
    BOOKGEN_REQUESTS_TOPIC      = google_pubsub_topic.topic["book-requests"].id
    BOOKGEN_NOTIFICATIONS_TOPIC = google_pubsub_topic.topic["book-notifications"].id
    BOOKGEN_GCP_PROJECT         = var.project_id
    GOOGLE_CLOUD_PROJECT        = var.project_id
  }
}

resource "google_cloud_run_v2_service" "api" {
  project             = var.project_id
  name                = "${local.prefix}api"
  location            = var.region
  description         = "bookgen REST API: submit books, read their status, download their files."
  ingress             = "INGRESS_TRAFFIC_ALL"
  deletion_protection = var.deletion_protection

  template {
    service_account                  = google_service_account.sa["api"].email
    timeout                          = "${var.api_scaling.timeout_seconds}s"
    max_instance_request_concurrency = var.api_scaling.concurrency

    scaling {
      min_instance_count = var.api_scaling.min_instances
      max_instance_count = var.api_scaling.max_instances
    }

    containers {
      image = var.api_image

      ports {
        container_port = 8080
      }

      resources {
        limits = {
          cpu    = var.api_scaling.cpu
          memory = var.api_scaling.memory
        }
        # CPU only while requests are served (billed per request); faster cold starts.
        cpu_idle          = true
        startup_cpu_boost = true
      }

      dynamic "env" {
        # BOOKGEN_API_PUBLIC_URL only when set: without it the API links to the URL each request came to.
        for_each = merge(var.api_env, local.api_env, var.api_public_url == null ? {} : { BOOKGEN_API_PUBLIC_URL = var.api_public_url })
        content {
          name  = env.key
          value = env.value
        }
      }

      # The keys document, read when an instance starts; its value never passes through Terraform.
      env {
        name = "BOOKGEN_API_KEYS"
        value_source {
          secret_key_ref {
            secret  = google_secret_manager_secret.api_keys.secret_id
            version = var.api_keys_secret_version
          }
        }
      }
    }
  }

  depends_on = [
    # Cloud Run checks at deploy time that the runtime identity can read the secret.
    google_secret_manager_secret_iam_member.api_keys,
  ]
}
