"""Hello's two pages: a greeting, and one that needs a scope the app never asked for."""

from litestar import Request, Response, get
from machi_sdk import ResidentDep, render, requires_scopes


@get("/", name="hello:index", guards=[requires_scopes("profile.name")])
async def index(request: Request, resident: ResidentDep) -> Response[str]:
    """Greets the resident by the name they allowed the app to read, and shows the pairwise id."""
    return render(
        request,
        "hello/index.html",
        {"name": resident.claim("profile.name", ""), "pairwise_id": resident.id},
    )


@get("/district", name="hello:district", guards=[requires_scopes("profile.district")])
async def district(request: Request, resident: ResidentDep) -> Response[str]:
    """Needs ``profile.district``, which the manifest does not ask for: always 403 (a demo)."""
    return render(request, "hello/district.html", {"district": resident.claim("profile.district")})


ROUTES = [index, district]
