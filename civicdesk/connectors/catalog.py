"""Every platform Civic Desk knows: the ``SPEC`` of each connector package's ``platform.py``.

A sub-package of ``civicdesk.connectors`` with a ``platform.py`` is a platform; one without
(``meta``, what Facebook, Instagram and Threads share) is a helper. Adding a platform is
adding its folder: nothing here lists them.

Light on purpose: ``settings.py`` imports this before Django is set up, so it reads only
the description modules, never a connector.
"""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil
from collections.abc import Callable, Mapping
from types import MappingProxyType

import civicdesk.connectors as package
from civicdesk.connectors.spec import PlatformSpec

DESCRIPTION_MODULE = "platform"


def platform_packages() -> list[str]:
    """The names of the connector sub-packages that describe a platform, sorted."""
    names = []
    for info in pkgutil.iter_modules(package.__path__):
        module = f"{package.__name__}.{info.name}.{DESCRIPTION_MODULE}"
        if info.ispkg and importlib.util.find_spec(module) is not None:
            names.append(info.name)
    return sorted(names)


def _discover() -> dict[str, PlatformSpec]:
    specs: dict[str, PlatformSpec] = {}
    for name in platform_packages():
        module = importlib.import_module(f"{package.__name__}.{name}.{DESCRIPTION_MODULE}")
        spec = module.SPEC
        if not isinstance(spec, PlatformSpec) or spec.slug != name:
            # The slug is what channels store; a package named otherwise would be a trap.
            raise ImportError(f"{module.__name__}.SPEC must be a PlatformSpec with slug {name!r}")
        specs[spec.slug] = spec
    return specs


SPECS: Mapping[str, PlatformSpec] = MappingProxyType(_discover())


def platform_apps(read: Callable[[str], str]) -> dict[str, dict[str, str]]:
    """Each platform's registered application, read with ``read`` (an environment reader)."""
    return {
        spec.slug: {name: read(spec.env(name)) for name in spec.app_setting_names}
        for spec in SPECS.values()
        if spec.settings_prefix
    }


def platform_api_urls(read: Callable[[str], str]) -> dict[str, str]:
    """Each platform's API address when it is not the platform's own (a peer, a proxy)."""
    return {spec.slug: read(spec.env("API_URL")) for spec in SPECS.values() if spec.settings_prefix}
