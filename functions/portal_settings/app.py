"""GET /portal-settings: the public settings a portal loads before sign-in (no token needed)."""

import os

from shared.domain import merchant, surcharges
from shared.http.portal_settings import portal_settings
from shared.http.web import json_response, lambda_entry, make_app

app = make_app()


@app.get("/portal-settings")
def get_settings():
    # Public and the same for everyone: browsers and CDNs may keep it for five minutes. (A card fee turned off
    # meanwhile is disclosed a little longer, never charged: each payment's quote reads the switch again.)
    fee = surcharges.current()
    return json_response(
        200,
        portal_settings(os.environ, merchant.from_environment(), fee.basis_points if fee else 0),
        {"Cache-Control": "public, max-age=300"},
    )


handler = lambda_entry(app)
