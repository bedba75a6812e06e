locals {
  topics = {
    "book-requests"      = "One message per book: {\"request\": {...}}. Eventarc starts a workflow execution for each."
    "book-notifications" = "Book ready / failed events published by the publish step, delivered by the notifier."
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

# book-notifications -> the notifier. Pull until the notifier service is deployed; failed deliveries go to
# book-notifications-dlq after var.dead_letter_max_delivery_attempts attempts.
resource "google_pubsub_subscription" "notifier" {
  project                    = var.project_id
  name                       = "${local.prefix}book-notifications-notifier"
  topic                      = google_pubsub_topic.topic["book-notifications"].id
  ack_deadline_seconds       = 60
  message_retention_duration = "604800s"

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
}

# book-requests is consumed by the subscription Eventarc creates and owns (eventarc.tf). Eventarc acks an
# event when the workflow execution starts, so its dead-letter topic only catches events that could not start
# an execution (quota, argument over 32 KB); the README (Deploy to Google Cloud) sets that policy on the Eventarc subscription.
