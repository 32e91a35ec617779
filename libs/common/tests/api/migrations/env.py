from enforcement_common.migrations import run_alembic_env

run_alembic_env(target_metadata=None)
