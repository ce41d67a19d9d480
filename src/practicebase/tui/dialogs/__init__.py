"""Modal dialogs of the terminal app: add an entry, rebuild the index, confirm a link."""
