# The analytics dataset (DESIGN §6). Columns come from src/bookgen/analytics/schema.py, written out as
# schemas/<table>.json (tests/terraform checks them against schema.py; regenerate with
# `python -m tests.terraform.schemas`). Views come from src/bookgen/analytics/sql/<view>.sql.

locals {
  dataset_id = "${replace(local.prefix, "-", "_")}bookgen"

  # Event tables: day-partitioned on a TIMESTAMP column, clustered on what the views filter and group by.
  tables = {
    llm_calls = {
      description     = "One row per model call (or response-cache hit)."
      partition_field = "ts"
      clustering      = ["book_id", "step"]
    }
    step_runs = {
      description     = "One row per step attempt."
      partition_field = "ts"
      clustering      = ["step", "book_id"]
    }
    books = {
      description     = "One row per book outcome (append-only; latest row per book_id wins)."
      partition_field = "requested_at"
      clustering      = ["status"]
    }
  }

  # Small reference tables, neither partitioned nor clustered.
  reference_tables = {
    model_prices = { description = "USD per 1M tokens by model, copied from the `prices` setting." }
  }

  # Views in dependency order: BigQuery checks a view's query when it is created, so a view may only read
  # tables and views created before it. Level 1 reads tables only; level 2 reads level-1 views.
  views_level1 = {
    books_latest      = "books_latest.sql"
    step_success_rate = "step_success_rate.sql"
    token_usage       = "token_usage.sql"
    cost_per_day      = "cost_per_day.sql"
    cost_per_model    = "cost_per_model.sql"
    cache_savings     = "cache_savings.sql"
  }
  views_level2 = {
    book_success_rate = "book_success_rate.sql"
    step_durations    = "step_durations.sql"
    cost_per_book     = "cost_per_book.sql"
    user_patterns     = "user_patterns.sql"
  }

  sql_dir = "${local.repo_root}/src/bookgen/analytics/sql"
  # What `${dataset}` in the SQL files becomes: the project id quoted (it may contain hyphens) and the dataset.
  dataset_ref = "`${var.project_id}`.${local.dataset_id}"
  sql_text    = { for name, file_name in merge(local.views_level1, local.views_level2) : name => file("${local.sql_dir}/${file_name}") }
  # A file holds comments + `CREATE OR REPLACE VIEW ${dataset}.<name> AS` + the query. A view resource takes the
  # query alone: drop everything up to AS, then put the dataset in. "$${dataset}" is the literal placeholder
  # text, not Terraform interpolation.
  view_query = {
    for name, text in local.sql_text : name => replace(
      replace(text, "/(?s)^.*?CREATE OR REPLACE VIEW\\s+\\S+\\s+AS\\s+/", ""),
      "$${dataset}",
      local.dataset_ref
    )
  }
  # The leading comment lines become the view's description.
  view_description = {
    for name, text in local.sql_text : name => trimspace(join(" ", [
      for line in split("\n", split("CREATE OR REPLACE VIEW", text)[0]) :
      trimspace(trimprefix(trimspace(line), "--")) if startswith(trimspace(line), "--")
    ]))
  }
}

resource "google_bigquery_dataset" "analytics" {
  project                    = var.project_id
  dataset_id                 = local.dataset_id
  friendly_name              = "bookgen analytics"
  description                = "bookgen: model calls, step runs, books and the views over them (DESIGN §6)."
  location                   = coalesce(var.bigquery_location, var.region)
  delete_contents_on_destroy = !var.deletion_protection
  depends_on                 = [google_project_service.api]
}

resource "google_bigquery_table" "table" {
  for_each            = local.tables
  project             = var.project_id
  dataset_id          = google_bigquery_dataset.analytics.dataset_id
  table_id            = each.key
  description         = each.value.description
  schema              = file("${path.module}/schemas/${each.key}.json")
  clustering          = each.value.clustering
  deletion_protection = var.deletion_protection

  time_partitioning {
    type          = "DAY"
    field         = each.value.partition_field
    expiration_ms = var.analytics_partition_expiration_days == null ? null : var.analytics_partition_expiration_days * 86400000
  }
  # Views scan whole tables; a required partition filter would break them.
  require_partition_filter = false
}

resource "google_bigquery_table" "reference" {
  for_each            = local.reference_tables
  project             = var.project_id
  dataset_id          = google_bigquery_dataset.analytics.dataset_id
  table_id            = each.key
  description         = each.value.description
  schema              = file("${path.module}/schemas/${each.key}.json")
  deletion_protection = var.deletion_protection
}

resource "google_bigquery_table" "view_level1" {
  for_each            = local.views_level1
  project             = var.project_id
  dataset_id          = google_bigquery_dataset.analytics.dataset_id
  table_id            = each.key
  description         = local.view_description[each.key]
  deletion_protection = var.deletion_protection

  view {
    query          = local.view_query[each.key]
    use_legacy_sql = false
  }

  lifecycle {
    precondition {
      condition     = !strcontains(upper(local.view_query[each.key]), "CREATE OR REPLACE VIEW") && !strcontains(local.view_query[each.key], "$${dataset}")
      error_message = "The view query of ${each.key} still holds its CREATE header or the $${dataset} placeholder."
    }
  }

  depends_on = [google_bigquery_table.table, google_bigquery_table.reference]
}

resource "google_bigquery_table" "view_level2" {
  for_each            = local.views_level2
  project             = var.project_id
  dataset_id          = google_bigquery_dataset.analytics.dataset_id
  table_id            = each.key
  description         = local.view_description[each.key]
  deletion_protection = var.deletion_protection

  view {
    query          = local.view_query[each.key]
    use_legacy_sql = false
  }

  lifecycle {
    precondition {
      condition     = !strcontains(upper(local.view_query[each.key]), "CREATE OR REPLACE VIEW") && !strcontains(local.view_query[each.key], "$${dataset}")
      error_message = "The view query of ${each.key} still holds its CREATE header or the $${dataset} placeholder."
    }
  }

  depends_on = [google_bigquery_table.view_level1]
}
