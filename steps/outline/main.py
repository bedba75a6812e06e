"""Cloud Function (2nd gen) for the `outline` step: a thin edge over bookgen.pipeline.outline."""

import functions_framework

from bookgen.edge import flask_response


@functions_framework.http
def outline(request):
    return flask_response("outline", request)
