"""Who the reader is, for every request: the Audience the engine answers for.

(First step: every reader is anonymous, the preview sees everything; the sign-in modes
come next.)
"""

from __future__ import annotations

from flask import current_app

from kb.search.audience import ANONYMOUS, PREVIEW, Audience


def current_audience() -> Audience:
    """The audience of this request's reader."""
    return PREVIEW if current_app.config["KB"].preview else ANONYMOUS
