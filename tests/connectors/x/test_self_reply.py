"""A post published as a reply to the account's own earlier post (an incident's later update
continuing the first one's thread), against a fake X held to X's API description."""

from __future__ import annotations

import json
from typing import Any

from werkzeug import Request, Response

from civicdesk.connectors.base import Capability, OutboundPost
from civicdesk.connectors.x.connector import XConnector

from .conftest import make_connector


def test_a_post_answers_our_earlier_post_and_its_thread_follows(xserver: Any) -> None:
    bodies: list[dict[str, Any]] = []

    def create(request: Request) -> Response:
        bodies.append(json.loads(request.data))
        tweet = {"id": str(1880028106020515840 + len(bodies)), "text": bodies[-1]["text"]}
        return Response(json.dumps({"data": tweet}), status=201, content_type="application/json")

    xserver.expect_request("/2/tweets", method="POST").respond_with_handler(create)
    assert Capability.SELF_REPLY in XConnector.channel_capabilities({"tier": "free"})
    with make_connector(xserver.url_for("")) as connector:
        result = connector.publish(
            OutboundPost(
                text="Update 2: the bridge stays closed.",
                idempotency_key="u2",
                reply_to="1880028106020515800",
                thread=("Detours as before.",),
            )
        )
    assert bodies[0]["reply"] == {"in_reply_to_tweet_id": "1880028106020515800"}
    # The thread's next part answers this post, not the earlier one.
    assert bodies[1]["reply"] == {"in_reply_to_tweet_id": result.remote_id}
