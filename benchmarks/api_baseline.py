"""The baseline of benchmarks/api.py: a trivial Starlette endpoint (run under uvicorn over HTTPS) that sends a fixed
JSON body as large as one unit's answers, with no token, no database and no audit."""

import json
import os

from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Route

SIZE = int(os.environ.get("ZI_BASELINE_SIZE", "18000"))
BODY = json.dumps({"pad": "x" * max(0, SIZE - 10)}).encode()


def answer(request):
    return Response(BODY, media_type="application/json")


app = Starlette(routes=[Route("/x", answer)])
