"""A one-line key bar: the screen's own bindings, then the app's. One Static, not a widget per
key: Textual's Footer restyles every key widget on each screen switch (~100 ms here), which alone
would spend the 150 ms switch budget."""

from __future__ import annotations

from textual.binding import Binding
from textual.content import Content
from textual.widgets import Static


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
        screen = self.screen
        parts = []
        for b in [*vars(type(screen)).get("BINDINGS", []), *app.BINDINGS]:
            b = b if isinstance(b, Binding) else Binding(*b)
            if not b.show:
                continue
            key = app.get_key_display(b)
            parts.append(Content.assemble((f" {key} ", "bold $footer-key-foreground"), b.description))
        parts.append(Content.assemble((" ^p ", "bold $footer-key-foreground"), "palette"))
        self.update(Content(" ").join(parts))
