"""Hello's two pages: a greeting with a visit counter, and one that needs a scope the app never
asked for."""

from litestar import Request, Response, get
from machi_sdk import PlatformDep, PlatformError, Resident, ResidentDep, render, requires_scopes
from machi_sdk.platform import Platform


async def count_visit(resident: Resident, platform: Platform) -> int | None:
    """Count this visit in the resident's own storage and in the app's ``visits`` KPI.

    ``None`` when the resident has not granted ``storage`` or the platform cannot do it now: the
    greeting works without the counter.
    """
    if not resident.has("storage"):
        return None
    try:
        visits = await platform.storage_get(resident, "visits")
        visits = (visits if isinstance(visits, int) else 0) + 1
        await platform.storage_set(resident, "visits", visits)
        await platform.kpi("visits")
    except PlatformError:
        return None
    return visits


@get("/", name="hello:index", guards=[requires_scopes("profile.name")])
async def index(request: Request, resident: ResidentDep, platform: PlatformDep) -> Response[str]:
    """Greets the resident by the name they allowed the app to read, shows the pairwise id and
    how many times they have opened the app."""
    context = {
        "name": resident.claim("profile.name", ""),
        "pairwise_id": resident.id,
        "visits": await count_visit(resident, platform),
    }
    return render(request, "hello/index.html", context)


@get("/district", name="hello:district", guards=[requires_scopes("profile.district")])
async def district(request: Request, resident: ResidentDep) -> Response[str]:
    """Needs ``profile.district``, which the manifest does not ask for: always 403 (a demo)."""
    return render(request, "hello/district.html", {"district": resident.claim("profile.district")})


ROUTES = [index, district]
