"""The Textual internals the dashboard's speed targets need, all in this one module.

Textual builds, styles, lays out and paints only the screen on display, and restyles a screen
each time it is shown. Three measured tricks go around that (bench/bench_tui.py, 120x40, on the
1.4 GB benchmark store; without each, on Textual 8.2.8):

- build_mode: compose the other screens in the background once the first frame shows. Without
  it a first visit composes its screen: 190-860 ms (target < 150 ms).
- restyle_hidden / layout_hidden / paint_hidden: style, lay out and paint such a screen off
  screen, so that a first visit costs what a later visit costs. Without them first visits took
  130-280 ms (Textual re-parses the whole stylesheet for a screen it has not styled, and renders
  every visible cell of its tables).
- style_context: skip re-applying every style when a screen is shown again and nothing its
  styles depend on changed. Without it each switch costs 30-40 ms more on the main thread (each
  DataTable drops its rendered cells when restyled) and switches to Usage and Pricing took
  150-300 ms.

They use private attributes and Textual's behaviour as of the version they were written for
(WRITTEN_FOR, the pinned version). On any other version ACTIVE is False and every function takes
the public path: nothing is built or painted ahead, styles are re-applied on every display. The
dashboard then looks and works the same, only switches are slower. tests/tui/test_tui_internals.py
holds one test per trick that fails when the trick stops working.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import textual

if TYPE_CHECKING:
    from textual.app import App
    from textual.screen import Screen

WRITTEN_FOR = "8.2.8"
ACTIVE = textual.__version__ == WRITTEN_FOR

StyleContext = tuple[object, ...]


def mode_screen(app: App[Any], mode: str) -> Screen[Any] | None:
    """The screen of a mode that has been set up (shown or built in the background), else None."""
    try:
        stack = app.get_screen_stack(mode)
    except KeyError:
        return None
    return stack[-1] if stack else None


def build_mode(app: App[Any], mode: str) -> bool:
    """Set a mode up (compose and mount its screen) without switching to it; False when that is
    not done here (the first visit composes the screen, as Textual does)."""
    if not ACTIVE or mode_screen(app, mode) is not None:
        return False
    app._init_mode(mode)  # Textual's own set-up of a mode, without the switch
    return True


def style_context(app: App[Any], screen: Screen[Any]) -> StyleContext | None:
    """What a screen's styles depend on besides its own nodes: the stylesheet (theme) version,
    the app's classes (-narrow) and pseudo-classes (focus). None: unknown, restyle."""
    if not ACTIVE:
        return None
    return (
        app._css_update_count,
        screen._css_update_count,
        app.classes,
        frozenset(app.get_pseudo_classes()),
    )


def stylesheet_pending(app: App[Any]) -> bool:
    """A new theme's stylesheet is not built yet (the screen on display is the first to get it)."""
    return ACTIVE and app.screen._css_update_count != app._css_update_count


def restyle_hidden(app: App[Any], screen: Screen[Any]) -> None:
    """Apply the current stylesheet to a screen that is not on display, as a display would."""
    if not ACTIVE:
        return
    screen.update_node_styles(animate=False)
    screen._css_update_count = app._css_update_count


def needs_layout(app: App[Any], screen: Screen[Any]) -> bool:
    return ACTIVE and (screen._layout_required or screen.size != app.size)


def layout_hidden(app: App[Any], screen: Screen[Any]) -> None:
    """Lay a screen that is not on display out at the app's size."""
    if ACTIVE:
        screen._refresh_layout(app.size)
        screen._layout_required = False


def paint_hidden(screen: Screen[Any]) -> bool:
    """Render a screen that is not on display into its widgets' line caches (nothing is shown);
    False when that is not done here."""
    if not ACTIVE:
        return False
    screen._compositor.render_strips()
    return True
