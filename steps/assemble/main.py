"""Cloud Function (2nd gen) for the `assemble` step: a thin edge over bookgen.pipeline.assemble."""

import functions_framework

from bookgen.edge import flask_response


@functions_framework.http
def assemble(request):
    return flask_response("assemble", request)
