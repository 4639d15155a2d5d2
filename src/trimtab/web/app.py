"""The dashboard: FastAPI routes over a DashboardSource, server-rendered with Jinja2."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends, FastAPI, Form, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

from trimtab.app.read_model import DashboardSource, JournalBusy, PageDecision
from trimtab.execution.states import ApprovalOutcome
from trimtab.reports.documents import check_document
from trimtab.web.auth import COOKIE, Access
from trimtab.web.charts import drift_strip, span_text, value_chart, weights_chart

HERE = Path(__file__).parent
# the page's parts, in order; each is re-rendered alone for a live update
SECTIONS = ("summary", "present", "allocation", "plans", "history", "futures", "reports")
# The page loads its own script and style only; inline style attributes draw the bars.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; connect-src 'self'; "
    "style-src 'self' 'unsafe-inline'; img-src 'self' data:; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
# A decision's HTTP status for a JSON client where it is not 200: no such plan; or nothing
# was decided because another process held the account or kept the journal locked (the
# message says so: try again in a moment)
DECISION_STATUS = {ApprovalOutcome.UNKNOWN_PLAN: 404, ApprovalOutcome.BUSY: 409}
RETRY_S = 5  # a busy page tries again after this long (Retry-After, and the page's refresh)


def create_app(source: DashboardSource, access: Access, *, read_only: bool = False,
               refresh_ms: int = 10_000) -> FastAPI:
    """The dashboard app; every route needs the access token."""
    app = FastAPI(title="trimtab", docs_url=None, redoc_url=None, openapi_url=None,
                  dependencies=[Depends(access.require)])
    static = {p.name: p for p in (HERE / "static").iterdir()}
    templates = Jinja2Templates(directory=HERE / "templates")
    templates.env.filters["pct"] = lambda x: "–" if x is None else f"{x * 100:.1f}%"
    templates.env.filters["money"] = lambda x: "–" if x is None else f"{x:,.2f}"
    templates.env.filters["zip"] = zip
    templates.env.globals.update(value_chart=value_chart, weights_chart=weights_chart,
                                 drift_strip=drift_strip, span_text=span_text)

    @app.middleware("http")
    async def security_headers(request: Request, call_next: Any) -> Any:
        response = await call_next(request)
        response.headers.update(SECURITY_HEADERS)
        return response

    @app.exception_handler(JournalBusy)
    def busy(request: Request, exc: JournalBusy) -> Any:
        """Another process keeps the journal locked (the paper exchange's snapshot reads
        through the writer): 503 with the one line that says to try again, never a 500."""
        headers = {"Retry-After": str(RETRY_S), "Cache-Control": "no-store"}
        if request.url.path.startswith("/api/") or "application/json" in request.headers.get(
                "accept", ""):
            return JSONResponse({"detail": str(exc)}, status_code=503, headers=headers)
        return templates.TemplateResponse(request, "busy.html", {
            "message": str(exc), "retry_s": RETRY_S}, status_code=503, headers=headers)

    @app.get("/", response_class=HTMLResponse)
    def dashboard(request: Request) -> Any:
        if request.query_params.get("token"):  # exchanged once for the cookie, then dropped
            others = [(k, v) for k, v in request.query_params.multi_items() if k != "token"]
            response = RedirectResponse("/" + (f"?{urlencode(others)}" if others else ""),
                                        status_code=303)
            response.set_cookie(COOKIE, access.token, httponly=True, samesite="strict")
            return response
        return templates.TemplateResponse(request, "dashboard.html", {
            **_page(source, access, read_only), "refresh_ms": refresh_ms})

    @app.get("/api/state")
    def state() -> JSONResponse:
        current = source.current()
        return JSONResponse({"as_of": current.as_of.isoformat(), "read_only": read_only,
                             **check_document(current.analysis, current.plan),
                             "plans": [_plan_json(p) for p in source.plans()],
                             "events": source.events()}, headers={"Cache-Control": "no-store"})

    @app.get("/api/sections")
    def sections() -> JSONResponse:
        """Every part of the page rendered afresh: the page swaps them in place."""
        context = _page(source, access, read_only)
        html = {name: templates.get_template(f"sections/{name}.html").render(context)
                for name in SECTIONS}
        waiting = [p.id for p in context["waiting"]]
        return JSONResponse({"as_of": context["current"].as_of.isoformat(),
                             "waiting": waiting, "sections": html},
                            headers={"Cache-Control": "no-store"})

    @app.post("/plans/propose")
    def propose(request: Request, csrf: Annotated[str | None, Form()] = None) -> Any:
        access.require_csrf(request, csrf)
        if read_only:
            raise HTTPException(403, "the dashboard runs with --read-only: nothing is proposed")
        proposal = source.propose()
        if "application/json" in request.headers.get("accept", ""):
            return JSONResponse(proposal.__dict__, status_code=200 if proposal.plan_id else 409)
        return RedirectResponse(f"/#plan-{proposal.plan_id}" if proposal.plan_id else "/",
                                status_code=303)

    @app.post("/plans/{plan_id}/approve")
    def approve(plan_id: str, request: Request,
                csrf: Annotated[str | None, Form()] = None) -> Any:
        return _decide(request, access, csrf, read_only, lambda: source.approve(plan_id))

    @app.post("/plans/{plan_id}/reject")
    def reject(plan_id: str, request: Request,
               csrf: Annotated[str | None, Form()] = None) -> Any:
        return _decide(request, access, csrf, read_only, lambda: source.reject(plan_id))

    @app.get("/static/{name}")
    def asset(name: str) -> FileResponse:  # a route, not a mount, so the token applies too
        if name not in static:
            raise HTTPException(404, f"no static file {name}")
        return FileResponse(static[name])

    @app.get("/reports/{name}")
    def report(name: str) -> FileResponse:
        for path in source.reports():
            if path.name == name:
                return FileResponse(path)
        raise HTTPException(404, f"no report named {name}")

    return _with_health(app, source)


def _with_health(app: FastAPI, source: DashboardSource) -> FastAPI:
    """`/healthz` outside the token (for a supervisor or a container probe), the page under it.

    It says only that the server answers, what `trimtab watch` is doing and
    when it last beat and checked (app.heartbeat): nothing a stranger could use.
    `watch_age_s` counts from the last heartbeat.
    """
    outer = FastAPI(title="trimtab", docs_url=None, redoc_url=None, openapi_url=None)

    @outer.get("/healthz")
    def healthz() -> JSONResponse:
        seen = source.watch_seen()
        at = seen.at if seen is not None else None
        beat = seen.beat_at if seen is not None else None
        return JSONResponse({"status": "ok", "last_watch_check": at.isoformat() if at else None,
                             "last_watch_check_ok": seen.ok if seen is not None else None,
                             "watch_state": seen.state if seen is not None else None,
                             "watch_heartbeat": beat.isoformat() if beat else None,
                             "watch_age_s": seen.age(datetime.now(UTC)) if seen else None},
                            headers={"Cache-Control": "no-store"})

    outer.mount("/", app)
    return outer


def _page(source: DashboardSource, access: Access, read_only: bool) -> dict[str, Any]:
    current = source.current()
    plans = source.plans(limit=50)
    bands = {a.asset: (a.band.low, a.target, a.band.high) for a in current.analysis.assets}
    return {"current": current, "analysis": current.analysis, "plan": current.plan,
            "waiting": [p for p in plans if p.waiting],
            "past": [p for p in plans if not p.waiting], "events": source.events(limit=15),
            "history": source.history(), "bands": bands, "seen": source.watch_seen(),
            "now": datetime.now(UTC),
            "reports": source.reports(), "can_propose": source.can_propose(),
            "csrf": access.csrf, "read_only": read_only, "sections": SECTIONS}


def _decide(request: Request, access: Access, csrf: str | None, read_only: bool,
            action: Any) -> Any:
    access.require_csrf(request, csrf)
    if read_only:
        raise HTTPException(403, "the dashboard runs with --read-only: no plan can be approved")
    decision: PageDecision = action()
    if "application/json" in request.headers.get("accept", ""):
        return JSONResponse(decision.__dict__,
                            status_code=DECISION_STATUS.get(decision.outcome, 200))
    return RedirectResponse(f"/?decided={decision.plan_id}&outcome={decision.outcome}",
                            status_code=303)


def _plan_json(plan: Any) -> dict[str, Any]:
    return {"id": plan.id, "created_at": plan.created_at.isoformat(), "status": plan.status,
            "orders": plan.orders, "reason": plan.reason, "waiting": plan.waiting}
