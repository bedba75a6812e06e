variable "project_id" {
  description = "Project that hosts bookgen (it must have billing enabled)."
  type        = string
  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{4,28}[a-z0-9]$", var.project_id))
    error_message = "project_id must be a project ID (6-30 lowercase letters, digits or hyphens), not a name or number."
  }
}

variable "project_number" {
  description = "Number of the project (gcloud projects describe PROJECT --format='value(projectNumber)'). Names the Google service agents that get grants here (Pub/Sub dead-lettering and push tokens, Cloud Storage CMEK) without a data source."
  type        = string
  validation {
    condition     = can(regex("^[0-9]{6,20}$", var.project_number))
    error_message = "project_number must be the numeric project number."
  }
}

variable "region" {
  description = "Region of the functions, workflow, Eventarc trigger, Cloud Run services, image repository and buckets."
  type        = string
  default     = "us-central1"
  validation {
    condition     = can(regex("^[a-z]+-[a-z]+[0-9]+$", var.region))
    error_message = "region must be a single region such as us-central1 (Eventarc Pub/Sub triggers need a region)."
  }
}

variable "prefix" {
  description = "Prefix for every resource name (\"\" for none), so several bookgen deployments can share a project. Names use <prefix>-<name>."
  type        = string
  default     = ""
  validation {
    condition     = can(regex("^([a-z][a-z0-9-]{0,10}[a-z0-9])?$", var.prefix))
    error_message = "prefix must be empty or 2-12 lowercase letters, digits or hyphens, starting with a letter (service account ids are at most 30 characters)."
  }
}

variable "labels" {
  description = "Labels added to every resource that supports them (app = \"bookgen\" is always added)."
  type        = map(string)
  default     = {}
  validation {
    condition     = alltrue([for k, v in var.labels : can(regex("^[a-z][a-z0-9_-]{0,62}$", k)) && can(regex("^[a-z0-9_-]{0,63}$", v))])
    error_message = "label keys must start with a lowercase letter; keys and values use lowercase letters, digits, _ and - (max 63)."
  }
}

variable "deletion_protection" {
  description = "Protect data from terraform destroy/replace: the workflow, BigQuery tables and views, the secrets and the Cloud Run services get deletion_protection, buckets and the dataset refuse to be deleted while they hold data. Set false (and apply) before a teardown."
  type        = bool
  default     = true
}

variable "kms_key_name" {
  description = "Optional Cloud KMS key (projects/P/locations/L/keyRings/R/cryptoKeys/K) for the raw and processed buckets (CMEK). It must be in the buckets' location; the Cloud Storage service agent is granted encrypt/decrypt on it. null = Google-managed keys."
  type        = string
  default     = null
  validation {
    condition     = var.kms_key_name == null || can(regex("^projects/[^/]+/locations/[^/]+/keyRings/[^/]+/cryptoKeys/[^/]+$", var.kms_key_name))
    error_message = "kms_key_name must be null or projects/P/locations/L/keyRings/R/cryptoKeys/K."
  }
}

variable "raw_nearline_after_days" {
  description = "Age in days after which objects of the raw bucket (requests, story bibles, chapter drafts) move to Nearline."
  type        = number
  default     = 30
  validation {
    condition     = var.raw_nearline_after_days >= 1 && floor(var.raw_nearline_after_days) == var.raw_nearline_after_days
    error_message = "raw_nearline_after_days must be a whole number of days, at least 1."
  }
}

variable "cache_retention_days" {
  description = "Age in days after which model-response cache objects (raw/cache/) are deleted. Keep it below raw_nearline_after_days so cache objects never reach Nearline (30-day minimum storage charge)."
  type        = number
  default     = 14
  validation {
    condition     = var.cache_retention_days >= 1 && var.cache_retention_days <= 365 && floor(var.cache_retention_days) == var.cache_retention_days
    error_message = "cache_retention_days must be a whole number between 1 and 365."
  }
}

variable "bigquery_location" {
  description = "Location of the BigQuery dataset (a region or US/EU). null = var.region."
  type        = string
  default     = null
  validation {
    condition     = var.bigquery_location == null || can(regex("^(US|EU|[a-z]+-[a-z]+[0-9]+)$", var.bigquery_location))
    error_message = "bigquery_location must be null, US, EU or a region such as us-central1."
  }
}

variable "analytics_partition_expiration_days" {
  description = "Days a day-partition of llm_calls, step_runs and books is kept. null = forever."
  type        = number
  default     = null
  validation {
    condition     = var.analytics_partition_expiration_days == null || try(var.analytics_partition_expiration_days >= 1, false)
    error_message = "analytics_partition_expiration_days must be null or at least 1."
  }
}

variable "bundle_dir" {
  description = "Directory holding the function bundles <step>.zip made by `make bundle`. null = build/steps at the repository root."
  type        = string
  default     = null
}

variable "python_runtime" {
  description = "Cloud Functions Python runtime of the steps. Match the Python that ran `make bundle`: the bundle's requirements.txt pins what is installed there."
  type        = string
  default     = "python311"
  validation {
    condition     = can(regex("^python3[0-9]{2}$", var.python_runtime))
    error_message = "python_runtime must look like python311 (bookgen needs Python >= 3.11)."
  }
}

variable "function_scaling" {
  description = "Scaling of every step function: vCPUs, memory, instance limits, concurrent requests per instance, timeout. The workflow waits timeout_seconds + 30 s for a step (Workflows caps an HTTP call at 1800 s)."
  type = object({
    cpu             = optional(string, "2")
    memory          = optional(string, "2Gi")
    min_instances   = optional(number, 0)
    max_instances   = optional(number, 100)
    concurrency     = optional(number, 80)
    timeout_seconds = optional(number, 300)
  })
  default = {}
  validation {
    condition     = can(tonumber(var.function_scaling.cpu)) && try(tonumber(var.function_scaling.cpu) >= 1 && tonumber(var.function_scaling.cpu) <= 8, false)
    error_message = "function_scaling.cpu must be between \"1\" and \"8\" (more than one concurrent request per instance needs at least 1 vCPU)."
  }
  validation {
    condition     = can(regex("^[0-9]+(Mi|Gi|M|G)$", var.function_scaling.memory))
    error_message = "function_scaling.memory must look like 512Mi or 2Gi."
  }
  validation {
    condition     = var.function_scaling.min_instances >= 0 && var.function_scaling.max_instances >= 1 && var.function_scaling.max_instances <= 1000 && var.function_scaling.min_instances <= var.function_scaling.max_instances
    error_message = "function_scaling needs 0 <= min_instances <= max_instances <= 1000 and max_instances >= 1."
  }
  validation {
    condition     = var.function_scaling.concurrency >= 1 && var.function_scaling.concurrency <= 1000
    error_message = "function_scaling.concurrency must be between 1 and 1000."
  }
  validation {
    condition     = var.function_scaling.timeout_seconds >= 1 && var.function_scaling.timeout_seconds <= 1770
    error_message = "function_scaling.timeout_seconds must be between 1 and 1770 (the workflow's HTTP timeout, timeout + 30 s, may not exceed 1800 s)."
  }
}

variable "function_scaling_overrides" {
  description = "Per-step changes to function_scaling, e.g. { assemble = { concurrency = 4, memory = \"4Gi\" } } for the CPU-bound rendering step. Keys are step names."
  type = map(object({
    cpu             = optional(string)
    memory          = optional(string)
    min_instances   = optional(number)
    max_instances   = optional(number)
    concurrency     = optional(number)
    timeout_seconds = optional(number)
  }))
  default = {}
  validation {
    condition = alltrue([for s in values(var.function_scaling_overrides) : (
      (s.cpu == null || try(tonumber(s.cpu) >= 1 && tonumber(s.cpu) <= 8, false)) &&
      (s.memory == null || can(regex("^[0-9]+(Mi|Gi|M|G)$", coalesce(s.memory, "x"))))
    )])
    error_message = "function_scaling_overrides: cpu must be between \"1\" and \"8\", memory like 512Mi or 2Gi."
  }
  validation {
    condition = alltrue([for s in values(var.function_scaling_overrides) : (
      (s.concurrency == null || try(s.concurrency >= 1 && s.concurrency <= 1000, false)) &&
      (s.timeout_seconds == null || try(s.timeout_seconds >= 1 && s.timeout_seconds <= 1770, false)) &&
      (s.max_instances == null || try(s.max_instances >= 1 && s.max_instances <= 1000, false)) &&
      (s.min_instances == null || try(s.min_instances >= 0, false))
    )])
    error_message = "function_scaling_overrides: concurrency 1-1000, timeout_seconds 1-1770, max_instances 1-1000, min_instances >= 0."
  }
}

variable "function_env" {
  description = "Extra environment variables for every step function, e.g. { BOOKGEN_QUALITY_POLICY = \"fail\" }. The storage, analytics, events and model settings this module wires cannot be overridden here."
  type        = map(string)
  default     = {}
  validation {
    condition     = alltrue([for k in keys(var.function_env) : can(regex("^[A-Z][A-Z0-9_]*$", k)) && k != "OPENAI_API_KEY"])
    error_message = "function_env keys must be UPPER_SNAKE_CASE; OPENAI_API_KEY comes from Secret Manager only."
  }
}

variable "openai_model" {
  description = "Model the functions ask for (BOOKGEN_OPENAI_MODEL); it needs a price in the bookgen price table for cost records."
  type        = string
  default     = "gpt-5.4-mini"
  validation {
    condition     = length(trimspace(var.openai_model)) > 0
    error_message = "openai_model must not be empty."
  }
}

variable "openai_secret_version" {
  description = "Version of the OpenAI key secret the functions read at instance start: \"latest\" or a number. A pinned number makes a key rotation an explicit deploy."
  type        = string
  default     = "latest"
  validation {
    condition     = can(regex("^(latest|[1-9][0-9]*)$", var.openai_secret_version))
    error_message = "openai_secret_version must be \"latest\" or a version number."
  }
}

variable "chapter_concurrency" {
  description = "Chapters written at once per book (BOOKGEN_CHAPTER_CONCURRENCY: the concurrency_limit of the workflow's parallel for)."
  type        = number
  default     = 10
  validation {
    condition     = var.chapter_concurrency >= 1 && var.chapter_concurrency <= 20 && floor(var.chapter_concurrency) == var.chapter_concurrency
    error_message = "chapter_concurrency must be a whole number from 1 to 20 (Workflows runs at most 20 branches of an execution at once)."
  }
}

variable "workflow_call_log_level" {
  description = "Cloud Logging of the workflow's call steps."
  type        = string
  default     = "LOG_ERRORS_ONLY"
  validation {
    condition     = contains(["LOG_ALL_CALLS", "LOG_ERRORS_ONLY", "LOG_NONE"], var.workflow_call_log_level)
    error_message = "workflow_call_log_level must be LOG_ALL_CALLS, LOG_ERRORS_ONLY or LOG_NONE."
  }
}

variable "workflow_execution_history_level" {
  description = "Execution history kept for step entries. BASIC lists the steps; DETAILED also keeps variable values (reader data), so it is opt-in."
  type        = string
  default     = "EXECUTION_HISTORY_BASIC"
  validation {
    condition     = contains(["EXECUTION_HISTORY_BASIC", "EXECUTION_HISTORY_DETAILED"], var.workflow_execution_history_level)
    error_message = "workflow_execution_history_level must be EXECUTION_HISTORY_BASIC or EXECUTION_HISTORY_DETAILED."
  }
}

variable "dead_letter_max_delivery_attempts" {
  description = "Delivery attempts before a Pub/Sub message goes to its dead-letter topic."
  type        = number
  default     = 5
  validation {
    condition     = var.dead_letter_max_delivery_attempts >= 5 && var.dead_letter_max_delivery_attempts <= 100
    error_message = "dead_letter_max_delivery_attempts must be between 5 and 100 (Pub/Sub's limits)."
  }
}

# --- the REST API and the notifier (Cloud Run) -------------------------------------------------------

variable "api_image" {
  description = "Container image of the REST API, built from api/Dockerfile (e.g. REGION-docker.pkg.dev/PROJECT/bookgen/api:TAG; output image_repository). Give each build a new tag or use a digest: Cloud Run deploys a new revision only when this value changes."
  type        = string
  validation {
    condition     = can(regex("^[a-z0-9.-]+(:[0-9]+)?(/[a-z0-9._-]+)+(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}(@sha256:[0-9a-f]{64})?|@sha256:[0-9a-f]{64})$", var.api_image)) && !endswith(var.api_image, ":latest")
    error_message = "api_image must be HOST/PATH/NAME with a tag or a digest, not :latest (e.g. us-central1-docker.pkg.dev/PROJECT/bookgen/api:3f2c1ab)."
  }
}

variable "notifier_image" {
  description = "Container image of the notifier, built from notifier/Dockerfile (e.g. REGION-docker.pkg.dev/PROJECT/bookgen/notifier:TAG). A new tag or a digest per build, as for api_image."
  type        = string
  validation {
    condition     = can(regex("^[a-z0-9.-]+(:[0-9]+)?(/[a-z0-9._-]+)+(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}(@sha256:[0-9a-f]{64})?|@sha256:[0-9a-f]{64})$", var.notifier_image)) && !endswith(var.notifier_image, ":latest")
    error_message = "notifier_image must be HOST/PATH/NAME with a tag or a digest, not :latest (e.g. us-central1-docker.pkg.dev/PROJECT/bookgen/notifier:3f2c1ab)."
  }
}

variable "api_public" {
  description = "Let anyone on the internet call the API (roles/run.invoker for allUsers): it authenticates callers itself with API keys. false = only principals granted roles/run.invoker on the service (e.g. behind a load balancer or API gateway), or where an organization policy forbids allUsers."
  type        = bool
  default     = true
}

variable "api_public_url" {
  description = "Base URL of the API in the links it and the notifier's webhooks hand out (BOOKGEN_API_PUBLIC_URL), e.g. a custom domain. null = the API answers with the URL each request came to, and the notifier uses the service's run.app URL."
  type        = string
  default     = null
  validation {
    condition     = var.api_public_url == null || can(regex("^https://[^/?#\\s]+(/[^?#\\s]*)?$", coalesce(var.api_public_url, "x")))
    error_message = "api_public_url must be null or an https:// URL without query or fragment."
  }
}

variable "api_keys_secret_version" {
  description = "Version of the api-keys secret (BOOKGEN_API_KEYS) the API and the notifier read when an instance starts: \"latest\" or a number. Setting the new number after adding a version rolls both services to it at once."
  type        = string
  default     = "latest"
  validation {
    condition     = can(regex("^(latest|[1-9][0-9]*)$", var.api_keys_secret_version))
    error_message = "api_keys_secret_version must be \"latest\" or a version number."
  }
}

variable "api_scaling" {
  description = "The API's Cloud Run service: vCPUs, memory, instance limits, concurrent requests per instance (one async uvicorn process serves them), request timeout in seconds."
  type = object({
    cpu             = optional(string, "1")
    memory          = optional(string, "512Mi")
    min_instances   = optional(number, 0)
    max_instances   = optional(number, 10)
    concurrency     = optional(number, 80)
    timeout_seconds = optional(number, 60)
  })
  default = {}
  validation {
    condition     = try(tonumber(var.api_scaling.cpu) >= 1 && tonumber(var.api_scaling.cpu) <= 8, false) && can(regex("^[0-9]+(Mi|Gi)$", var.api_scaling.memory))
    error_message = "api_scaling: cpu must be between \"1\" and \"8\" (more than one concurrent request needs a whole vCPU), memory like 512Mi or 1Gi."
  }
  validation {
    condition     = var.api_scaling.min_instances >= 0 && var.api_scaling.max_instances >= 1 && var.api_scaling.min_instances <= var.api_scaling.max_instances && var.api_scaling.concurrency >= 1 && var.api_scaling.concurrency <= 1000 && var.api_scaling.timeout_seconds >= 1 && var.api_scaling.timeout_seconds <= 3600
    error_message = "api_scaling needs 0 <= min_instances <= max_instances, max_instances >= 1, concurrency 1-1000, timeout_seconds 1-3600."
  }
}

variable "notifier_scaling" {
  description = "The notifier's Cloud Run service, as api_scaling. timeout_seconds is also the ack deadline of its push subscription (Pub/Sub allows at most 600): it must cover every webhook attempt of one event, or Pub/Sub redelivers while the notifier still retries. With the default BOOKGEN_WEBHOOK_* settings that is up to 6 x 10 s + 5 x 60 s (a receiver's Retry-After is honoured up to 60 s) = 360 s."
  type = object({
    cpu             = optional(string, "1")
    memory          = optional(string, "512Mi")
    min_instances   = optional(number, 0)
    max_instances   = optional(number, 10)
    concurrency     = optional(number, 20)
    timeout_seconds = optional(number, 600)
  })
  default = {}
  validation {
    condition     = try(tonumber(var.notifier_scaling.cpu) >= 1 && tonumber(var.notifier_scaling.cpu) <= 8, false) && can(regex("^[0-9]+(Mi|Gi)$", var.notifier_scaling.memory))
    error_message = "notifier_scaling: cpu must be between \"1\" and \"8\", memory like 512Mi or 1Gi."
  }
  validation {
    condition     = var.notifier_scaling.min_instances >= 0 && var.notifier_scaling.max_instances >= 1 && var.notifier_scaling.min_instances <= var.notifier_scaling.max_instances && var.notifier_scaling.concurrency >= 1 && var.notifier_scaling.concurrency <= 1000
    error_message = "notifier_scaling needs 0 <= min_instances <= max_instances, max_instances >= 1, concurrency 1-1000."
  }
  validation {
    condition     = var.notifier_scaling.timeout_seconds >= 10 && var.notifier_scaling.timeout_seconds <= 600
    error_message = "notifier_scaling.timeout_seconds must be between 10 and 600 (it is the push subscription's ack deadline)."
  }
}

variable "api_env" {
  description = "Extra environment variables of the API, e.g. { BOOKGEN_API_REQUESTS_PER_MINUTE = \"60\" }. The storage, events and project settings this module wires cannot be overridden here."
  type        = map(string)
  default     = {}
  validation {
    condition     = alltrue([for k in keys(var.api_env) : can(regex("^[A-Z][A-Z0-9_]*$", k)) && !contains(["BOOKGEN_API_KEYS", "PORT", "K_SERVICE", "K_REVISION", "K_CONFIGURATION"], k)])
    error_message = "api_env keys must be UPPER_SNAKE_CASE; BOOKGEN_API_KEYS comes from Secret Manager only, PORT and K_* are set by Cloud Run."
  }
}

variable "notifier_env" {
  description = "Extra environment variables of the notifier, e.g. { BOOKGEN_WEBHOOK_MAX_ATTEMPTS = \"4\" }. The BOOKGEN_WEBHOOK_* retry settings must fit in notifier_scaling.timeout_seconds (checked at plan time)."
  type        = map(string)
  default     = {}
  validation {
    condition     = alltrue([for k in keys(var.notifier_env) : can(regex("^[A-Z][A-Z0-9_]*$", k)) && !contains(["BOOKGEN_API_KEYS", "PORT", "K_SERVICE", "K_REVISION", "K_CONFIGURATION"], k)])
    error_message = "notifier_env keys must be UPPER_SNAKE_CASE; BOOKGEN_API_KEYS comes from Secret Manager only, PORT and K_* are set by Cloud Run."
  }
  validation {
    condition = alltrue([for k in ["BOOKGEN_WEBHOOK_MAX_ATTEMPTS", "BOOKGEN_WEBHOOK_BACKOFF_S", "BOOKGEN_WEBHOOK_MAX_BACKOFF_S", "BOOKGEN_WEBHOOK_TIMEOUT_S"] :
      try(tonumber(lookup(var.notifier_env, k, "0")) >= 0, false)
    ]) && try(tonumber(lookup(var.notifier_env, "BOOKGEN_WEBHOOK_MAX_ATTEMPTS", "1")) >= 1 && floor(tonumber(lookup(var.notifier_env, "BOOKGEN_WEBHOOK_MAX_ATTEMPTS", "1"))) == tonumber(lookup(var.notifier_env, "BOOKGEN_WEBHOOK_MAX_ATTEMPTS", "1")), false)
    error_message = "notifier_env: the BOOKGEN_WEBHOOK_* settings must be non-negative numbers, BOOKGEN_WEBHOOK_MAX_ATTEMPTS a whole number of at least 1."
  }
}
