"""The HTTP API's schema (realtime/server/api.py): the request bodies /predict takes and the
answer, as the app's /openapi.json and /docs state them."""

from __future__ import annotations

import re

import pytest

from realtime.server.api import PredictFrames, predict_openapi


@pytest.mark.slow
def test_openapi_describes_the_predict_request_and_answer(client) -> None:
    spec = client.get("/openapi.json").json()
    predict = spec["paths"]["/predict"]["post"]
    content = predict["requestBody"]["content"]
    assert content["application/json"]["schema"]["required"] == ["frames"]
    assert content["multipart/form-data"]["schema"]["required"] == ["file"]
    assert predict["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/PredictAnswer")
    assert "Retry-After" in predict["responses"]["503"]["headers"]
    answer = spec["components"]["schemas"]["PredictAnswer"]
    assert set(answer["properties"]) == {"top3", "label", "hand_visible", "sentence", "words", "frames"}
    page = client.get("/docs")
    assert page.status_code == 200 and "cdn" not in page.text.lower()  # works on a LAN without internet
    script = re.search(r'src="([^"]*swagger-ui-bundle\.js)"', page.text).group(1)
    answer = client.get(script)
    assert answer.status_code == 200 and "SwaggerUIBundle" in answer.text


def test_the_request_schema_states_both_bodies() -> None:
    content = predict_openapi()["requestBody"]["content"]
    assert content["application/json"]["schema"] == PredictFrames.model_json_schema()
    assert content["application/json"]["schema"]["required"] == ["frames"]
    assert content["multipart/form-data"]["schema"]["properties"]["file"]["format"] == "binary"
