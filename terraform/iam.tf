# Identities and every grant they get. Least privilege: a role is bound to the narrowest resource that
# accepts it; the project is used only where no narrower binding exists. Each role carries its reason.

locals {
  service_accounts = {
    workflow  = "Runs workflows/book.yaml: calls the step functions."
    functions = "Runs the step functions: reads the OpenAI key, writes objects, analytics rows and notifications."
    api       = "Runs the bookgen REST API (Cloud Run): stores and enqueues book requests, serves status and signed downloads."
    notifier  = "Runs the notifier (Cloud Run): reads finished books and the API keys, delivers and records webhooks."
    push      = "Identity Pub/Sub pushes book-notifications to the notifier with; it can only invoke the notifier."
    eventarc  = "Identity of the Eventarc trigger that starts a workflow execution for each book request."
    build     = "Cloud Build identity that builds the step functions from their source bundles."
  }

  # Google-managed service agents, named from the project number (no data sources).
  pubsub_agent  = "serviceAccount:service-${var.project_number}@gcp-sa-pubsub.iam.gserviceaccount.com"
  storage_agent = "serviceAccount:service-${var.project_number}@gs-project-accounts.iam.gserviceaccount.com"

  # Project-level grants: only roles that have no narrower resource to bind to.
  project_grants = {
    workflow_log_writer = {
      sa = "workflow"
      # sys.log steps and call logging write to Cloud Logging as the workflow's identity.
      role = "roles/logging.logWriter"
    }
    eventarc_workflows_invoker = {
      sa = "eventarc"
      # Start an execution per event (workflows.executions.create); Workflows has no per-workflow IAM.
      role = "roles/workflows.invoker"
    }
    eventarc_event_receiver = {
      sa = "eventarc"
      # Receive events as the trigger's identity. Pub/Sub-routed events work without it (platform reference E.3);
      # kept so the same identity can serve direct and Audit Log events, which require it.
      role = "roles/eventarc.eventReceiver"
    }
    functions_bigquery_job_user = {
      sa = "functions"
      # Run query and load jobs (refreshing model_prices, reading views); streaming inserts alone need only dataEditor.
      role = "roles/bigquery.jobUser"
    }
    build_run_builder = {
      sa = "build"
      # Build functions: read the source object, push the image to Artifact Registry, write build logs.
      role = "roles/run.builder"
    }
  }
}

resource "google_service_account" "sa" {
  for_each     = local.service_accounts
  project      = var.project_id
  account_id   = "${local.prefix}bookgen-${each.key}"
  display_name = "bookgen ${each.key}"
  description  = each.value
  depends_on   = [google_project_service.api]
}

resource "google_project_iam_member" "grant" {
  for_each = local.project_grants
  project  = var.project_id
  role     = each.value.role
  member   = google_service_account.sa[each.value.sa].member
}

# --- the workflow calls the step functions ---------------------------------------------------------

resource "google_cloud_run_v2_service_iam_member" "workflow_invokes_step" {
  for_each = google_cloudfunctions2_function.step
  project  = var.project_id
  location = var.region
  name     = each.value.name
  # Call the step with an OIDC token: a 2nd gen function is a Cloud Run service, so run.invoker on that service
  # (roles/cloudfunctions.invoker does not grant it).
  role   = "roles/run.invoker"
  member = google_service_account.sa["workflow"].member
}

# --- the functions ---------------------------------------------------------------------------------

resource "google_secret_manager_secret_iam_member" "functions_openai" {
  project   = var.project_id
  secret_id = google_secret_manager_secret.openai.secret_id
  # Read the OpenAI key, mounted as OPENAI_API_KEY when an instance starts.
  role   = "roles/secretmanager.secretAccessor"
  member = google_service_account.sa["functions"].member
}

resource "google_storage_bucket_iam_member" "functions_raw" {
  bucket = google_storage_bucket.raw.name
  # Read, create and overwrite requests, story bibles, chapter drafts and the model-response cache.
  role   = "roles/storage.objectUser"
  member = google_service_account.sa["functions"].member
}

resource "google_storage_bucket_iam_member" "functions_processed" {
  bucket = google_storage_bucket.processed.name
  # Write the rendered books and manifests; read them back to stay idempotent on re-runs.
  role   = "roles/storage.objectUser"
  member = google_service_account.sa["functions"].member
}

resource "google_bigquery_dataset_iam_member" "functions_analytics" {
  project    = var.project_id
  dataset_id = google_bigquery_dataset.analytics.dataset_id
  # Insert llm_calls, step_runs and books rows (and refresh model_prices) in this dataset only.
  role   = "roles/bigquery.dataEditor"
  member = google_service_account.sa["functions"].member
}

resource "google_pubsub_topic_iam_member" "functions_notifications" {
  project = var.project_id
  topic   = google_pubsub_topic.topic["book-notifications"].name
  # The publish step emits the book ready / failed event.
  role   = "roles/pubsub.publisher"
  member = google_service_account.sa["functions"].member
}

# --- the REST API ----------------------------------------------------------------------------------

resource "google_cloud_run_v2_service_iam_member" "api_public" {
  for_each = var.api_public ? { public = "allUsers" } : {}
  project  = var.project_id
  location = var.region
  name     = google_cloud_run_v2_service.api.name
  # Anyone may reach the API: it authenticates every call itself with an API key (var.api_public).
  role   = "roles/run.invoker"
  member = each.value
}

resource "google_pubsub_topic_iam_member" "api_requests" {
  project = var.project_id
  topic   = google_pubsub_topic.topic["book-requests"].name
  # Submit book requests.
  role   = "roles/pubsub.publisher"
  member = google_service_account.sa["api"].member
}

resource "google_storage_bucket_iam_member" "api_raw" {
  bucket = google_storage_bucket.raw.name
  # Create requests and owner index entries, overwrite submission records (an overwrite needs delete), read
  # them back and list a book's chapter drafts for its progress.
  role   = "roles/storage.objectUser"
  member = google_service_account.sa["api"].member
}

resource "google_storage_bucket_iam_member" "api_processed" {
  bucket = google_storage_bucket.processed.name
  # Serve manifests and finished book files; the API never writes them.
  role   = "roles/storage.objectViewer"
  member = google_service_account.sa["api"].member
}

resource "google_secret_manager_secret_iam_member" "api_keys" {
  project   = var.project_id
  secret_id = google_secret_manager_secret.api_keys.secret_id
  # Read the API keys document, mounted as BOOKGEN_API_KEYS when an instance starts.
  role   = "roles/secretmanager.secretAccessor"
  member = google_service_account.sa["api"].member
}

resource "google_service_account_iam_member" "api_signs_urls" {
  service_account_id = google_service_account.sa["api"].name
  # Sign V4 download URLs: Cloud Run credentials hold no private key, so the API signs through the IAM signBlob
  # API as itself (iam.serviceAccounts.signBlob on its own account only).
  role   = "roles/iam.serviceAccountTokenCreator"
  member = google_service_account.sa["api"].member
}

# --- the notifier ----------------------------------------------------------------------------------

resource "google_storage_bucket_iam_member" "notifier_raw" {
  bucket = google_storage_bucket.raw.name
  # Read the submission record (who owns the book, its callback URL); create and update the delivery record
  # raw/books/<id>/notifications/<event>.json.
  role   = "roles/storage.objectUser"
  member = google_service_account.sa["notifier"].member
}

resource "google_storage_bucket_iam_member" "notifier_processed" {
  bucket = google_storage_bucket.processed.name
  # Read the manifest a webhook describes; the notifier never writes finished books.
  role   = "roles/storage.objectViewer"
  member = google_service_account.sa["notifier"].member
}

resource "google_secret_manager_secret_iam_member" "notifier_api_keys" {
  project   = var.project_id
  secret_id = google_secret_manager_secret.api_keys.secret_id
  # Read the API keys document (BOOKGEN_API_KEYS) for the webhook secrets that sign each owner's webhooks.
  role   = "roles/secretmanager.secretAccessor"
  member = google_service_account.sa["notifier"].member
}

# --- Pub/Sub pushes to the notifier ----------------------------------------------------------------

resource "google_cloud_run_v2_service_iam_member" "push_invokes_notifier" {
  project  = var.project_id
  location = var.region
  name     = google_cloud_run_v2_service.notifier.name
  # The push subscription calls /pubsub/push with an OIDC token of this identity; nobody else may invoke it.
  role   = "roles/run.invoker"
  member = google_service_account.sa["push"].member
}

# --- Google service agents -------------------------------------------------------------------------

resource "google_pubsub_topic_iam_member" "pubsub_agent_dead_letter" {
  for_each = google_pubsub_topic.dead_letter
  project  = var.project_id
  topic    = each.value.name
  # Forward undeliverable messages to the dead-letter topic.
  role   = "roles/pubsub.publisher"
  member = local.pubsub_agent
}

resource "google_pubsub_subscription_iam_member" "pubsub_agent_notifier" {
  project      = var.project_id
  subscription = google_pubsub_subscription.notifier.name
  # Acknowledge a message on the source subscription once it is forwarded to the dead-letter topic.
  role   = "roles/pubsub.subscriber"
  member = local.pubsub_agent
}

resource "google_pubsub_subscription_iam_member" "pubsub_agent_eventarc" {
  project      = var.project_id
  subscription = google_eventarc_trigger.book_requests.transport[0].pubsub[0].subscription
  # Same, on the subscription Eventarc created on book-requests (its dead-letter policy is set with gcloud,
  # see the README (Deploy to Google Cloud): Eventarc owns that subscription).
  role   = "roles/pubsub.subscriber"
  member = local.pubsub_agent
}

resource "google_service_account_iam_member" "pubsub_agent_push_tokens" {
  service_account_id = google_service_account.sa["push"].name
  # Mint the push identity's OIDC tokens for the notifier subscription, on that account only. Service agents
  # created after 2021-04-08 hold this through their own role; older ones need the grant.
  role   = "roles/iam.serviceAccountTokenCreator"
  member = local.pubsub_agent
}

resource "google_kms_crypto_key_iam_member" "storage_agent" {
  for_each      = var.kms_key_name == null ? {} : { buckets = var.kms_key_name }
  crypto_key_id = each.value
  # Encrypt and decrypt the raw and processed objects with the customer-managed key.
  role   = "roles/cloudkms.cryptoKeyEncrypterDecrypter"
  member = local.storage_agent
}
