"""``/api/auth``: sign in, sign out, who am I."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from medxam_server.api.deps import CurrentUser, SettingsDep, TokenDep
from medxam_server.schemas import LoginIn, LoginOut, UserOut
from medxam_server.services import auth

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post(
    "/login",
    response_model=LoginOut,
    responses={401: {"description": "Bad credentials"}, 429: {"description": "Throttled"}},
)
def login(body: LoginIn, request: Request, settings: SettingsDep) -> LoginOut:
    # Failed attempts must be recorded even though the answer is an error, so this
    # handler commits its own transaction instead of using the request session.
    factory = request.app.state.session_factory
    with factory() as session:
        try:
            result = auth.login(
                session,
                username=body.username,
                password=body.password,
                session_hours=settings.session_hours,
                max_failures=settings.login_max_failures,
                window_seconds=settings.login_window_seconds,
            )
        finally:
            session.commit()
        return LoginOut(
            token=result.token,
            expires_at=result.expires_at,
            user=UserOut.model_validate(result.user),
        )


@router.post("/logout", status_code=204, response_class=Response)
def logout(_user: CurrentUser, token: TokenDep, request: Request) -> Response:
    factory = request.app.state.session_factory
    with factory() as session, session.begin():
        auth.logout(session, token)
    return Response(status_code=204)


@router.get("/me", response_model=UserOut)
def me(user: CurrentUser) -> UserOut:
    return UserOut.model_validate(user)
