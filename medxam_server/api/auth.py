"""``/api/auth``: sign in, sign out, who am I."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from medxam_server.api.deps import CurrentUser, SettingsDep, TokenDep
from medxam_server.api.schemas import LoginIn, LoginOut, UserOut
from medxam_server.services.accounts import auth, login_throttle

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post(
    "/login",
    response_model=LoginOut,
    responses={401: {"description": "Bad credentials"}, 429: {"description": "Throttled"}},
)
def login(body: LoginIn, request: Request, settings: SettingsDep) -> LoginOut:
    # The throttle's count must stay even though the answer is an error, so the service
    # runs its own short transactions instead of using the request session.
    result = auth.login(
        request.app.state.session_factory,
        username=body.username,
        password=body.password,
        address=client_address(request),
        session_hours=settings.session_hours,
        limits=login_throttle.Limits(
            per_user=settings.login_max_failures,
            per_address=settings.login_max_failures_per_address,
            window_seconds=settings.login_window_seconds,
        ),
    )
    return LoginOut(
        token=result.token,
        expires_at=result.expires_at,
        user=UserOut.model_validate(result.user),
    )


def client_address(request: Request) -> str:
    """The TCP peer's address. No forwarding header is read here: uvicorn puts a proxy's
    X-Forwarded-For in its place only for the proxies ``MEDXAM_FORWARDED_ALLOW_IPS``
    names (``medxam-server serve``), so a client cannot choose its own address."""
    return request.client.host if request.client else "unknown"


@router.post("/logout", status_code=204, response_class=Response)
def logout(_user: CurrentUser, token: TokenDep, request: Request) -> Response:
    factory = request.app.state.session_factory
    with factory() as session, session.begin():
        auth.logout(session, token)
    return Response(status_code=204)


@router.get("/me", response_model=UserOut)
def me(user: CurrentUser) -> UserOut:
    return UserOut.model_validate(user)
