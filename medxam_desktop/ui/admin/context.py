"""What every admin page gets: the results API, the cached source and the server calls."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from medxam_desktop.sync.api_client import ApiClient, SignedInUser
from medxam_desktop.sync.results_api import ResultsApi
from medxam_desktop.sync.results_cache import ResultsCache, ResultsSource
from medxam_desktop.ui.admin.connection import ServerCalls


@dataclass(frozen=True, slots=True)
class AdminContext:
    """``api`` for calls (run them with ``calls.call``), ``source`` for results that fall
    back to the on-disk cache, ``user`` the signed-in admin."""

    api: ResultsApi
    source: ResultsSource
    calls: ServerCalls
    user: SignedInUser

    @classmethod
    def make(cls, client: ApiClient, user: SignedInUser, data_dir: Path) -> AdminContext:
        api = ResultsApi(client)
        source = ResultsSource(api, ResultsCache.in_data_dir(data_dir))
        return cls(api=api, source=source, calls=ServerCalls(), user=user)
