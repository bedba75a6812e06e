"""Cloud Function (2nd gen) for the `chapters` step: a thin edge over bookgen.pipeline.chapters."""

import functions_framework

from bookgen.edge import flask_response


@functions_framework.http
def chapters(request):
    return flask_response("chapters", request)
