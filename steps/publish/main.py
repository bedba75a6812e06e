"""Cloud Function (2nd gen) for the `publish` step: a thin edge over bookgen.pipeline.publish."""

import functions_framework

from bookgen.edge import flask_response


@functions_framework.http
def publish(request):
    return flask_response("publish", request)
