"""Jobs: which worker process runs a running job.

Revision ID: 5d1c8e3f2a47
Revises: 0270b22f48b9
Create Date: 2026-11-21 06:00:00

- ``jobs.runner``: ``"<worker node> <machine> <pid>"`` of the process running the job, so a
  redelivered or retried task can tell a job whose process died (taken over) from one still
  running elsewhere (checked again later). Empty for jobs not running.
"""

import sqlalchemy as sa
from alembic import op

revision = "5d1c8e3f2a47"
down_revision = "0270b22f48b9"
branch_labels = None
depends_on = None


# Plain ALTER TABLE (SQLite 3.35+ drops columns natively): no table rebuild.


def upgrade() -> None:
    op.add_column("jobs", sa.Column("runner", sa.String(length=300), nullable=True))


def downgrade() -> None:
    op.drop_column("jobs", "runner")
