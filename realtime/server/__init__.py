"""`signlang serve`: a web page, a WebSocket and a REST API over one exported bundle.

Every frame goes through the live core (realtime/core.py) that `signlang live` uses, so a video
gives the same translation on the page, through /predict and in `signlang live`. One concern
per module:

- api.py: the /predict request and every answer as pydantic models (/openapi.json, /docs);
- config.py: the params.yaml sections the server runs with (serve, sentence, extract, live);
- predict.py: a clip or keypoint frames -> the answer (no HTTP);
- sessions.py: one live session (its own Holistic and live core) and the cap on how many;
- work_queue.py: the bounded queue /predict runs on;
- bodies.py: /predict's JSON and multipart bodies -> the domain calls;
- stream.py: the /ws WebSocket (admission, frames, refusals and closing codes);
- middleware.py: the access log and the body limit;
- app.py: the FastAPI app, its routes and how each refusal becomes a status;
- run.py: uvicorn, HTTPS and the graceful shutdown.

The command's arguments are in realtime/cli.py.
"""
