"""The parts one server holds (store, tenants, builds, journal, service), opened from Settings."""

from __future__ import annotations

from dataclasses import dataclass

from macrohard.api.builds import Builds
from macrohard.api.events import Feed
from macrohard.api.service import BuildService
from macrohard.api.settings import Settings
from macrohard.api.store import Store
from macrohard.api.tenants import Tenants
from macrohard.api.views import StatusCache
from macrohard.journal import Journal


@dataclass
class Api:
    settings: Settings
    store: Store
    tenants: Tenants
    builds: Builds
    journal: Journal
    service: BuildService
    feed: Feed
    status_cache: StatusCache

    @classmethod
    def open(cls, settings: Settings) -> Api:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        store = Store(settings.api_db)
        builds = Builds(store, settings.builds_dir)
        journal = Journal(settings.journal_db)
        service = BuildService(settings, builds, journal)
        feed = Feed(builds, journal, settings.poll_seconds)
        cache = StatusCache(settings.poll_seconds)
        return cls(settings, store, Tenants(store), builds, journal, service, feed, cache)
