# The notifier (bookgen.notifier.app:create_app, image from notifier/Dockerfile) on Cloud Run: the push
# subscription book-notifications-notifier (pubsub.tf) POSTs each ready / failed event to /pubsub/push, and the
# notifier delivers the signed webhook to the callback URL of the book's request, with bounded retries inside
# that one push request. Ingress is open so that Pub/Sub's pushes reach it, but only the push identity may invoke
# it (iam.tf); its egress is the internet (customers' https callback URLs).

locals {
  # The settings the notifier reads (BOOKGEN_*); they win over var.notifier_env.
  notifier_env = {
    BOOKGEN_STORAGE          = "gcs"
    BOOKGEN_RAW_BUCKET       = google_storage_bucket.raw.name
    BOOKGEN_PROCESSED_BUCKET = google_storage_bucket.processed.name
    BOOKGEN_GCP_PROJECT      = var.project_id
    GOOGLE_CLOUD_PROJECT     = var.project_id
    # Download links in webhooks point at the API.
    BOOKGEN_API_PUBLIC_URL = coalesce(var.api_public_url, google_cloud_run_v2_service.api.uri)
  }
}

locals {
  # The longest one event may keep the notifier busy (src/bookgen/notifier/delivery.py): every attempt runs
  # into its timeout, and every wait between attempts is the longest the notifier allows, max_backoff_s (its
  # own doubling backoff is shorter, but a receiver's Retry-After is honoured up to that cap).
  # BOOKGEN_WEBHOOK_* as var.notifier_env sets them, else the defaults of src/bookgen/settings.py
  # (tests/terraform checks these against it).
  webhook_defaults = {
    BOOKGEN_WEBHOOK_MAX_ATTEMPTS  = "6"
    BOOKGEN_WEBHOOK_MAX_BACKOFF_S = "60.0"
    BOOKGEN_WEBHOOK_TIMEOUT_S     = "10.0"
  }
  webhook = { for k, v in local.webhook_defaults : k => tonumber(lookup(var.notifier_env, k, v)) }
  webhook_budget_s = (
    local.webhook["BOOKGEN_WEBHOOK_MAX_ATTEMPTS"] * local.webhook["BOOKGEN_WEBHOOK_TIMEOUT_S"] +
    (local.webhook["BOOKGEN_WEBHOOK_MAX_ATTEMPTS"] - 1) * local.webhook["BOOKGEN_WEBHOOK_MAX_BACKOFF_S"]
  )
  # Checking the callback URL, reading the manifest and writing the delivery record around the attempts.
  webhook_margin_s = 30
}

resource "google_cloud_run_v2_service" "notifier" {
  project             = var.project_id
  name                = "${local.prefix}notifier"
  location            = var.region
  description         = "bookgen notifier: delivers book ready / failed webhooks pushed by book-notifications."
  ingress             = "INGRESS_TRAFFIC_ALL"
  deletion_protection = var.deletion_protection

  template {
    service_account = google_service_account.sa["notifier"].email
    # Also the push subscription's ack deadline: Pub/Sub waits as long as one delivery may take.
    timeout                          = "${var.notifier_scaling.timeout_seconds}s"
    max_instance_request_concurrency = var.notifier_scaling.concurrency

    scaling {
      min_instance_count = var.notifier_scaling.min_instances
      max_instance_count = var.notifier_scaling.max_instances
    }

    containers {
      image = var.notifier_image

      ports {
        container_port = 8080
      }

      resources {
        limits = {
          cpu    = var.notifier_scaling.cpu
          memory = var.notifier_scaling.memory
        }
        # The retries run inside the push request, so CPU allocated only during requests is enough.
        cpu_idle          = true
        startup_cpu_boost = true
      }

      dynamic "env" {
        for_each = merge(var.notifier_env, local.notifier_env)
        content {
          name  = env.key
          value = env.value
        }
      }

      # The keys document: the notifier signs each webhook with the owning key's webhook secret.
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

  lifecycle {
    precondition {
      condition     = local.webhook_budget_s + local.webhook_margin_s <= var.notifier_scaling.timeout_seconds
      error_message = "The notifier may retry a webhook for ${local.webhook_budget_s} s (BOOKGEN_WEBHOOK_* in notifier_env) + ${local.webhook_margin_s} s, more than notifier_scaling.timeout_seconds (${var.notifier_scaling.timeout_seconds} s, the push ack deadline): Pub/Sub would redeliver the event while it still retries."
    }
  }

  depends_on = [
    # Cloud Run checks at deploy time that the runtime identity can read the secret.
    google_secret_manager_secret_iam_member.notifier_api_keys,
  ]
}
