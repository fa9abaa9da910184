"""Root conftest: registers the suite's pytest plugins, nothing else."""
pytest_plugins = ["fixtures.claims", "fixtures.options", "fixtures.record", "fixtures.schedule", "fixtures.report"]
