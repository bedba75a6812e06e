locals {
  topics = {
    "book-requests"      = "One message per book: {\"request\": {...}}. Eventarc starts a workflow execution for each."
    "book-notifications" = "Book ready / failed events published by the publish step, pushed to the notifier service."
  }
}

resource "google_pubsub_topic" "topic" {
  for_each = local.topics
  project  = var.project_id
  name     = "${local.prefix}${each.key}"
  # A day of messages can be replayed to a subscription with `gcloud pubsub subscriptions seek`.
  message_retention_duration = "86400s"
  depends_on                 = [google_project_service.api]
}

# Dead-letter topics, each with a subscription that holds what lands there (a topic alone keeps nothing).
resource "google_pubsub_topic" "dead_letter" {
  for_each   = local.topics
  project    = var.project_id
  name       = "${local.prefix}${each.key}-dlq"
  depends_on = [google_project_service.api]
}

resource "google_pubsub_subscription" "dead_letter" {
  for_each                   = local.topics
  project                    = var.project_id
  name                       = "${local.prefix}${each.key}-dlq"
  topic                      = google_pubsub_topic.dead_letter[each.key].id
  message_retention_duration = "604800s"
  ack_deadline_seconds       = 60

  expiration_policy {
    ttl = ""
  }
}

# book-notifications -> the notifier service (notifier.tf): Pub/Sub POSTs each event to /pubsub/push with an
# OIDC token of the push identity, which alone may invoke the notifier (iam.tf). A non-2xx answer or no answer
# within the ack deadline is a failed delivery: retried with backoff, then sent to book-notifications-dlq after
# var.dead_letter_max_delivery_attempts attempts. The ack deadline is the notifier's request timeout, which
# covers its own bounded webhook retries (a precondition in notifier.tf checks it).
resource "google_pubsub_subscription" "notifier" {
  project                    = var.project_id
  name                       = "${local.prefix}book-notifications-notifier"
  topic                      = google_pubsub_topic.topic["book-notifications"].id
  ack_deadline_seconds       = var.notifier_scaling.timeout_seconds
  message_retention_duration = "604800s"

  push_config {
    push_endpoint = "${google_cloud_run_v2_service.notifier.uri}/pubsub/push"

    oidc_token {
      service_account_email = google_service_account.sa["push"].email
      # Cloud Run accepts tokens whose audience is the service URL (the default would be the endpoint's).
      audience = google_cloud_run_v2_service.notifier.uri
    }
  }

  expiration_policy {
    ttl = ""
  }

  dead_letter_policy {
    dead_letter_topic     = google_pubsub_topic.dead_letter["book-notifications"].id
    max_delivery_attempts = var.dead_letter_max_delivery_attempts
  }

  retry_policy {
    minimum_backoff = "10s"
    maximum_backoff = "600s"
  }

  depends_on = [
    # The first push must find the push identity able to invoke the notifier, and Pub/Sub able to mint its tokens.
    google_cloud_run_v2_service_iam_member.push_invokes_notifier,
    google_service_account_iam_member.pubsub_agent_push_tokens,
  ]
}

# book-requests is consumed by the subscription Eventarc creates and owns (eventarc.tf). Eventarc acks an
# event when the workflow execution starts, so its dead-letter topic only catches events that could not start
# an execution (quota, argument over 32 KB); the README (Deploy to Google Cloud) sets that policy on the Eventarc subscription.
