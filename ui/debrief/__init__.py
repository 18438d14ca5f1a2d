"""The Debrief tab."""
