# Object layout (DESIGN §5): raw/ keys (requests, bibles, chapter drafts, the model-response cache) live in
# the raw bucket, processed/ keys (book files, manifests) in the processed bucket. The cache rule matches
# both "raw/cache/" and "cache/" so it holds whether the GCS adapter keeps or strips the raw/ key prefix.

resource "google_storage_bucket" "raw" {
  name                        = "${var.project_id}-${local.prefix}bookgen-raw"
  project                     = var.project_id
  location                    = var.region
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = !var.deletion_protection

  lifecycle_rule {
    condition {
      age                   = var.raw_nearline_after_days
      matches_storage_class = ["STANDARD"]
    }
    action {
      type          = "SetStorageClass"
      storage_class = "NEARLINE"
    }
  }

  lifecycle_rule {
    condition {
      age            = var.cache_retention_days
      matches_prefix = ["raw/cache/", "cache/"]
    }
    action {
      type = "Delete"
    }
  }

  dynamic "encryption" {
    for_each = var.kms_key_name == null ? [] : [var.kms_key_name]
    content {
      default_kms_key_name = encryption.value
    }
  }

  depends_on = [google_project_service.api, google_kms_crypto_key_iam_member.storage_agent]
}

resource "google_storage_bucket" "processed" {
  name                        = "${var.project_id}-${local.prefix}bookgen-processed"
  project                     = var.project_id
  location                    = var.region
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = !var.deletion_protection

  dynamic "encryption" {
    for_each = var.kms_key_name == null ? [] : [var.kms_key_name]
    content {
      default_kms_key_name = encryption.value
    }
  }

  depends_on = [google_project_service.api, google_kms_crypto_key_iam_member.storage_agent]
}
