"""The main window's way in: an Incidents menu with Align incident… (a job) and Open incident… (the cameras in step).

``install(window)`` adds the menu to a :class:`~bwvtool.ui.main_window.MainWindow`, so wiring it in is one line.
"""

from __future__ import annotations

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QInputDialog

from bwvtool.ui.incident.forms import AlignIncidentForm
from bwvtool.ui.incident.window import IncidentWindow


def _selected_incident(window) -> str:
    index = window.table.currentIndex()
    row = window.table.clip_model().clip_at(index.row()) if index.isValid() else None
    return getattr(row, "incident_id", None) or ""


def open_incident(window, incident_id: str | None = None) -> IncidentWindow | None:
    """Open ``incident_id`` (asked for, defaulting to the selected clip's incident) in its own window."""
    if incident_id is None:
        from bwvtool.incidents.library import aligned_incidents

        selected = _selected_incident(window)
        aligned = window.workspace.call(aligned_incidents)
        # The aligned incidents (the selected clip's first when it is one of them); any other incident can be typed.
        offered = sorted(aligned, key=lambda i: i != selected) + (
            [selected] if selected and selected not in aligned else []
        )
        incident_id, ok = QInputDialog.getItem(
            window, "Open incident", "Incident (aligned incidents listed; or type an id):", offered, 0, True
        )
        if not ok or not incident_id.strip():
            return None
    view = IncidentWindow(window.workspace, window.user)
    view.setWindowTitle(f"Incident {incident_id.strip()} — all cameras")
    view.status.connect(lambda text: window.statusBar().showMessage(text, 8000))
    view.resize(1500, 980)
    view.open_incident(incident_id.strip())
    view.show()
    window._incident_views.append(view)  # kept while open; closed, it goes (see close_views)
    view.closed.connect(lambda: _forget(window, view))
    return view


def _forget(window, view: IncidentWindow) -> None:
    if view in window._incident_views:
        window._incident_views.remove(view)
    view.deleteLater()


def close_views(window, *, ask: bool = True) -> bool:
    """Close every incident window opened from ``window`` (the main window is quitting): True once all are closed,
    False when the reviewer kept one open (it had key presses not saved yet). ``ask=False``: see
    :meth:`IncidentWindow.shut`. An incident window left open would keep the app running after the main window
    closed, its players still decoding."""
    return all(view.shut(ask=ask) for view in list(window._incident_views))


def install(window) -> None:
    """Add the Incidents menu to ``window`` (the app's main window)."""
    window._incident_views = []
    menu = window.menuBar().addMenu("&Incidents")
    align = QAction("&Align incident…", window)
    show = QAction("&Open incident (all cameras)…", window, shortcut=QKeySequence("Ctrl+Shift+I"))
    align.triggered.connect(
        lambda: window._start_from(AlignIncidentForm(window._samples(), _selected_incident(window), window))
    )
    show.triggered.connect(lambda: open_incident(window))
    menu.addAction(align)
    menu.addAction(show)
    window.action_align_incident, window.action_open_incident = align, show
