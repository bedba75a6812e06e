# book-requests -> one execution of the book workflow per message. The execution's argument is the CloudEvent
# (event.data.message.data = base64 of {"request": {...}}), which workflows/book.yaml decodes. Eventarc creates
# and owns the push subscription on the topic. Workflows deduplicates events for 24 h; an execution that starts
# and then fails is not retried by Eventarc.
resource "google_eventarc_trigger" "book_requests" {
  project         = var.project_id
  name            = "${local.prefix}book-requests"
  location        = var.region
  service_account = google_service_account.sa["eventarc"].email

  matching_criteria {
    attribute = "type"
    value     = "google.cloud.pubsub.topic.v1.messagePublished"
  }

  transport {
    pubsub {
      topic = google_pubsub_topic.topic["book-requests"].id
    }
  }

  destination {
    workflow = google_workflows_workflow.book.id
  }

  # The trigger's identity must be able to start executions before the first event arrives.
  depends_on = [google_project_iam_member.grant]
}
