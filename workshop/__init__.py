"""The workshop's shared layer: configuration, the Docker access layer, labels, setup."""
