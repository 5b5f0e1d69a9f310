"""Bot scripts: YAML in, a validated, executable model out."""
