"""Security headers on every response (docs/architecture.md, "Headers").

- Content-Security-Policy: scripts, styles, fonts and fetches from this site only; no inline
  script, style attribute or event handler runs, so an injected one is inert too.
- Strict-Transport-Security in production only (config ``HSTS``): a development server on
  plain http://localhost must not teach the browser to refuse it.
- Cache-Control: no-store on every page but static files and the health check: staff pages
  carry client data, which must not stay in a shared computer's cache or its back button.
- Permissions-Policy: no page needs the camera, the microphone, the location or payments.
"""

from __future__ import annotations

from flask import Flask, Response, current_app, request

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    )
)

STRICT_TRANSPORT_SECURITY = "max-age=31536000; includeSubDomains"

# Features a page could ask the browser for; none is used, so none is allowed.
DENIED_FEATURES = (
    "accelerometer",
    "autoplay",
    "camera",
    "display-capture",
    "encrypted-media",
    "fullscreen",
    "geolocation",
    "gyroscope",
    "hid",
    "idle-detection",
    "magnetometer",
    "microphone",
    "midi",
    "payment",
    "picture-in-picture",
    "publickey-credentials-get",
    "screen-wake-lock",
    "serial",
    "usb",
    "xr-spatial-tracking",
)
PERMISSIONS_POLICY = ", ".join(f"{feature}=()" for feature in DENIED_FEATURES)

# Responses without client data, which browsers and proxies may keep as usual.
CACHEABLE_ENDPOINTS = frozenset({"static", "health.healthz"})


def install(app: Flask) -> None:
    app.after_request(add_security_headers)


def add_security_headers(response: Response) -> Response:
    headers = response.headers
    headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    headers["Permissions-Policy"] = PERMISSIONS_POLICY
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")  # frame-ancestors, for older browsers
    headers.setdefault("Referrer-Policy", "same-origin")
    if current_app.config.get("HSTS"):
        headers["Strict-Transport-Security"] = STRICT_TRANSPORT_SECURITY
    if request.endpoint not in CACHEABLE_ENDPOINTS:
        headers["Cache-Control"] = "no-store"
        headers["Pragma"] = "no-cache"  # HTTP/1.0 caches
    return response
