"""Budget profiles. Each claim module keeps its own settings per profile (one screen with its
thresholds); a profile here only names the budget and the data every claim uses under it."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, TypeVar


@dataclass(frozen=True)
class Profile:
    name: str
    mnist: str          # "mnist5k" (offline subset) or "mnist" (full, needs --data-dir)
    description: str


PROFILES = {
    "cpu": Profile("cpu", "mnist5k", "default: every claim decides on a 2-core CPU; the offline 5000-image "
                                     "MNIST subset, scaled-down epochs, widths and sweeps"),
    "full": Profile("full", "mnist", "the reports' own settings (full MNIST, their epochs and batch sizes); "
                                     "meant for GPU machines: pytest claims -n 4 --gpu --profile full"),
}
DEFAULT_PROFILE = "cpu"


class UnknownProfile(ValueError):
    pass


def get_profile(name: str) -> Profile:
    """The profile called `name`; an unknown name raises UnknownProfile listing the valid ones."""
    try:
        return PROFILES[name]
    except KeyError:
        raise UnknownProfile(f"unknown profile {name!r}; valid profiles: {', '.join(sorted(PROFILES))}") from None


T = TypeVar("T")


def pick(settings_by_profile: Mapping[str, T], profile: Profile) -> T:
    """A claim's settings for `profile`."""
    try:
        return settings_by_profile[profile.name]
    except KeyError:
        raise UnknownProfile(f"this claim has no settings for profile {profile.name!r} "
                             f"(it has: {', '.join(sorted(settings_by_profile))})") from None
