"""Service endpoints: liveness, readiness, and the Swagger UI's own assets."""
from __future__ import annotations

from flask import Blueprint as FlaskBlueprint
from flask import current_app, send_from_directory
from swagger_ui_bundle import swagger_ui_path

from . import service
from .. import metrics as prometheus
from ..extensions import limiter
from .schemas import HealthOut, ReadyOut
from ..schemas import ErrorEnvelope
from ..web import Blueprint, unmetered, uow

bp = Blueprint("ops", __name__, description="Service health")
assets = FlaskBlueprint("docs_assets", __name__)
# Prometheus text, not JSON: a plain route, outside the OpenAPI document and its query-string checks.
metrics = FlaskBlueprint("metrics", __name__)


@bp.route("/health", methods=["GET"])
@unmetered
@bp.response(200, HealthOut)
def health():
    """Say the process is alive."""
    return {"status": "ok"}


@bp.route("/ready", methods=["GET"])
@unmetered
@bp.response(200, ReadyOut)
@bp.alt_response(503, schema=ErrorEnvelope, description="A dependency does not answer")
def ready():
    """Say whether the store, and Redis where configured, answer."""
    return service.check_ready(uow(), current_app.extensions.get("library.redis"))


@assets.route("/docs/assets/<path:filename>")
def swagger_asset(filename: str):
    # Served from the installed swagger-ui-bundle, so /docs works without internet access.
    return send_from_directory(swagger_ui_path, filename, max_age=86400)


@metrics.route("/metrics")
@limiter.exempt
def prometheus_metrics():
    """Serve the metrics in Prometheus' text format (every gunicorn worker's, with PROMETHEUS_MULTIPROC_DIR)."""
    body, content_type = prometheus.exposition(current_app.config["PROMETHEUS_MULTIPROC_DIR"] or None)
    return current_app.response_class(body, content_type=content_type)
