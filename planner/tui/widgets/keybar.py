"""A one-line key bar: the screen's own bindings, then the app's. One Static, not a widget per
key: Textual's Footer restyles every key widget on each screen switch (~100 ms here), which alone
would spend the 150 ms switch budget."""

from __future__ import annotations

from collections.abc import Iterable

from textual.binding import Binding, BindingType
from textual.content import Content
from textual.widgets import Static


def bindings(declared: Iterable[BindingType]) -> list[Binding]:
    """A BINDINGS list as Binding objects (it may also hold (key, action[, description]) tuples)."""
    return [b if isinstance(b, Binding) else Binding(*b) for b in declared]


class KeyBar(Static):
    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: 1;
        background: $footer-background;
        color: $footer-foreground;
    }
    """

    def on_mount(self) -> None:
        app = self.app
        own = bindings(vars(type(self.screen)).get("BINDINGS", []))
        # On a narrow terminal the end is cut off: this screen's keys, help, quit and the palette first.
        first = [b for b in bindings(app.BINDINGS) if b.id in ("help", "quit")]
        rest = [b for b in bindings(app.BINDINGS) if b.id not in ("help", "quit")]
        parts = []
        for b in [*own, *first, None, *rest]:
            if b is None:
                parts.append(Content.assemble((" ^p ", "bold $footer-key-foreground"), "palette"))
                continue
            if not b.show:
                continue
            key = app.get_key_display(b)
            parts.append(Content.assemble((f" {key} ", "bold $footer-key-foreground"), b.description))
        self.update(Content(" ").join(parts))
