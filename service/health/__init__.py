"""Programme health: figures over the store, drawn as one self-contained HTML page."""
