"""Where the app may send people after an action."""


def safe_next(target: str | None, default: str = "/") -> str:
    """Only paths on this site: no scheme, no ``//host`` and no ``/\\host`` (browsers read both)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target
