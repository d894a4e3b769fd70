"""A mistyped command names the closest real one ("Did you mean 'review'?"), at every level."""

from __future__ import annotations

import difflib

import click


class SuggestingGroup(click.Group):
    def resolve_command(self, ctx: click.Context, args: list[str]):  # type: ignore[no-untyped-def]
        try:
            name, command, rest = super().resolve_command(ctx, args)
        except click.UsageError as exc:
            typed = args[0] if args else ""
            close = difflib.get_close_matches(typed, self.list_commands(ctx), n=1, cutoff=0.6)
            if close and "No such command" in exc.message:
                exc.message = f"No such command {typed!r}. Did you mean {close[0]!r}?"
            raise
        if isinstance(command, click.Group):
            suggesting(command)
        return name, command, rest


_UPGRADED: dict[type, type] = {}


def suggesting(group: click.Group) -> click.Group:
    """Give a group loaded from a command module the same suggestions (its class is swapped in place)."""
    if not isinstance(group, SuggestingGroup):
        cls = type(group)
        if cls not in _UPGRADED:
            _UPGRADED[cls] = type(f"Suggesting{cls.__name__}", (SuggestingGroup, cls), {})
        group.__class__ = _UPGRADED[cls]
    return group
