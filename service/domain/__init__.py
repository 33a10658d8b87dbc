"""The programme's domain: entities (`model`) and rules (`rules`), with no I/O."""
