"""OCI image pieces: outputs, deterministic layers, layouts and archives."""
