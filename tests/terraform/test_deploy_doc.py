"""The README's "Deploy to Google Cloud" section stays true to the module."""

from __future__ import annotations

import pytest

pytest.importorskip("hcl2", reason="python-hcl2 is not installed (a dev dependency: pip install python-hcl2)")

from bookgen.analytics.schema import VIEWS  # noqa: E402
from bookgen.models import BookRequest  # noqa: E402
from tests.terraform import checks  # noqa: E402
from tests.terraform.conftest import REPO_ROOT  # noqa: E402

README = REPO_ROOT / "README.md"


class _Section:
    """The README's deploy section, read like a file."""

    def read_text(self, encoding: str = "utf-8") -> str:
        text = README.read_text(encoding)
        start = text.index("## Deploy to Google Cloud")
        end = text.find("\n## ", start + 3)
        return text[start:] if end == -1 else text[start:end]


DOC = _Section()


def test_deploy_doc_matches_the_module(module):
    assert checks.check_deploy_doc(DOC.read_text("utf-8"), module, BookRequest, VIEWS) == []


@pytest.mark.parametrize("old, new, fragment", [
    ("gcloud pubsub topics publish book-requests", "gcloud pubsub topics publish book-request", "book-request'"),
    ("gcloud workflows run book ", "gcloud workflows run books ", "'books'"),
    ('"genre": "adventure", "chapters": 3', '"chapters": 3', "--message payload"),
    ("gcloud secrets versions add openai-api-key", "gcloud secrets versions add openai-key", "'openai-key'"),
    ("$DATASET.step_durations", "$DATASET.step_duration", "step_duration, which is not a view"),
    ("Terraform ≥ 1.5", "Terraform ≥ 1.3", "Terraform ≥ 1.5"),
    ("gcloud secrets versions add api-keys", "gcloud secrets versions add apikeys", "'apikeys'"),
    ("gcloud secrets versions add api-keys", "gcloud secrets versions list api-keys", "versions add api-keys`"),
    ("--config=notifier/cloudbuild.yaml", "--config=notifier/build.yaml", "--config=notifier/cloudbuild.yaml"),
    ("--substitutions=_IMAGE=$API_IMAGE", "", "_IMAGE=..."),
    ("  -var api_image=$API_IMAGE -var notifier_image=$NOTIFIER_IMAGE \\\n", "", "no -var api_image="),
    ("-target=google_artifact_registry_repository.images", "-target=google_artifact_registry_repository.repo",
     "no such resource"),
    ("output -raw api_url", "output -raw api_uri", "output api_uri"),
    ("bookgen api-key create", "bookgen api-keys create", "'bookgen api-key create'"),
])
def test_deploy_doc_check_catches_drift(module, old, new, fragment):
    doc = DOC.read_text("utf-8")
    assert old in doc
    problems = checks.check_deploy_doc(doc.replace(old, new, 1), module, BookRequest, VIEWS)
    assert any(fragment in p for p in problems), problems
