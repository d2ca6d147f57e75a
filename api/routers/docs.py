"""``GET /docs``: the OpenAPI explorer (Swagger UI) served from the package, not from a CDN.

Hospital and company networks are often closed to the internet; FastAPI's default page loads
Swagger UI from a CDN and would be blank there. The assets ship in ``swagger-ui-bundle-v2``
and are mounted at :data:`ASSETS` by :func:`mount_assets`.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path  # type: ignore[import-untyped]

router = APIRouter()

ASSETS = "/docs-assets"


def mount_assets(app: FastAPI) -> None:
    """Serve the Swagger UI files under :data:`ASSETS`."""
    app.mount(ASSETS, StaticFiles(directory=str(swagger_ui_path)), name="docs-assets")


@router.get("/docs", include_in_schema=False)
def docs() -> HTMLResponse:
    """The interactive OpenAPI documentation."""
    return get_swagger_ui_html(
        openapi_url="/openapi.json",
        title="tcmkg API",
        swagger_js_url=f"{ASSETS}/swagger-ui-bundle.js",
        swagger_css_url=f"{ASSETS}/swagger-ui.css",
        swagger_favicon_url=f"{ASSETS}/favicon-32x32.png",
    )
