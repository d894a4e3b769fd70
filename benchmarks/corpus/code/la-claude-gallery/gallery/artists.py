ARTISTS = [
    {"slug": "claude-monet", "name": "Claude Monet", "born": 1840},
    {"slug": "claude-lorrain", "name": "Claude Lorrain", "born": 1600},
    {"slug": "camille-claudel", "name": "Camille Claudel", "born": 1864},
]


def by_slug(slug: str) -> dict | None:
    return next((a for a in ARTISTS if a["slug"] == slug), None)
