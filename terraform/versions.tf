# Pinned toolchain. google ~> 7.0 (>= 7.0.0, < 8.0.0): every argument used here exists since 7.0
# (workflow deletion_protection 6.11, execution_history_level 6.26, secret deletion_protection 6.43,
# cloudfunctions2 service_config.service became output-only in 7.0). 8.0 is not released yet; move the pin
# deliberately after reading its upgrade guide. Terraform >= 1.5 for optional() defaults and strcontains().
terraform {
  required_version = ">= 1.5.0"

  required_providers {
    google = {
      source  = "hashicorp/google"
      version = "~> 7.0"
    }
  }
}
