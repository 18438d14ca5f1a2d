"""Multi-camera incidents in the app: the cameras in step, the alignment and its nudges, the align job's form."""

from bwvtool.ui.incident.forms import AlignIncidentForm
from bwvtool.ui.incident.grid import IncidentGrid
from bwvtool.ui.incident.window import IncidentWindow

__all__ = ["AlignIncidentForm", "IncidentGrid", "IncidentWindow"]
