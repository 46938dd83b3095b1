#!/usr/bin/env python3
"""Publish a sample API on a fresh portal, through the management API, so the catalog and the
reference pages have something to show (scripts/run calls it on the first start of a fresh var/).

    sample-catalog.py BASE_URL CA_FILE TOKEN_FILE PORTAL_ID SPEC_FILE

It creates the API product "Payments API" (version v1) with SPEC_FILE as its OpenAPI document and
lists it on PORTAL_ID, published, open for registration and approved at once, with the default
key-auth strategy. Only the standard library: it runs before anything else is installed."""

import json
import ssl
import sys
import urllib.error
import urllib.request


def main() -> int:
    base, ca_file, token_file, portal_id, spec_file = sys.argv[1:6]
    token = open(token_file).read().strip()
    context = ssl.create_default_context(cafile=ca_file)

    def call(method: str, path: str, body: dict | None = None) -> dict:
        request = urllib.request.Request(
            base + "/api/v2" + path, method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, context=context, timeout=30) as response:
                text = response.read()
        except urllib.error.HTTPError as error:
            raise SystemExit(f"sample catalog: {method} {path} answered {error.code}: {error.read().decode()[:500]}")
        return json.loads(text) if text else {}

    strategies = call("GET", "/application-auth-strategies")["data"]
    key_auth = [s["id"] for s in strategies if s.get("strategy_type") == "key_auth"][:1]
    product = call("POST", "/api-products", {
        "name": "Payments API", "portal_id": portal_id,
        "description": "Take payments and refunds (a sample: replace it or delete it)."})
    version = call("POST", f"/api-products/{product['id']}/product-versions", {"name": "v1"})
    call("PUT", f"/api-products/{product['id']}/product-versions/{version['id']}/specifications",
         {"content": open(spec_file).read()})
    call("POST", f"/portals/{portal_id}/product-versions", {
        "product_version_id": version["id"], "publish_status": "published",
        "application_registration_enabled": True, "auto_approve_registration": True,
        "deprecated": False, "auth_strategy_ids": key_auth})
    print(f"sample catalog: published Payments API v1 (product {product['id']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
