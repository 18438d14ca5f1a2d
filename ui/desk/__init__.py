"""The coding desk: player, timeline, event table, code palette and review form together."""
