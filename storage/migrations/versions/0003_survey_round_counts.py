"""survey round counts: a closed round's answers counted per unit, question and value

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06 12:10:00.000000
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RESPONSE_MARKER = '*'


def upgrade() -> None:
    op.create_table('survey_round_counts',
    sa.Column('round_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('counts', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['round_id'], ['survey_round.id'], ),
    sa.PrimaryKeyConstraint('round_id')
    )
    _count_closed_rounds()


def _count_closed_rounds() -> None:
    """Count the answers of every round closed before this revision, as the close now does.

    The same grouped query as ``storage.survey_counts.count_answers``, one round at a time, in
    SQL that SQLite and PostgreSQL share; only the JSON document is put together here.
    """
    bind = op.get_bind()
    survey_round = sa.table('survey_round', sa.column('id', sa.String), sa.column('closed_at'))
    answer = sa.table(
        'survey_answer',
        sa.column('round_id', sa.String),
        sa.column('unit_id', sa.String),
        sa.column('question_id', sa.String),
        sa.column('value', sa.Integer),
        sa.column('text', sa.String),
    )
    counts = sa.table('survey_round_counts', sa.column('round_id', sa.String), sa.column('counts', sa.JSON))
    closed = bind.execute(
        sa.select(survey_round.c.id).where(survey_round.c.closed_at.is_not(None)).order_by(survey_round.c.id)
    ).scalars().all()
    has_text = answer.c.text.is_not(None)
    for round_id in closed:
        rows = bind.execute(
            sa.select(answer.c.unit_id, answer.c.question_id, answer.c.value, has_text, sa.func.count())
            .where(answer.c.round_id == round_id)
            .group_by(answer.c.unit_id, answer.c.question_id, answer.c.value, has_text)
        ).all()
        per_unit: dict[str, dict[str, list[Any]]] = {}
        for unit_id, qid, value, text, n in rows:
            if not (qid == RESPONSE_MARKER or value is not None or text):
                continue
            entry = per_unit.setdefault(str(unit_id), {}).setdefault(str(qid), [0, {}])
            entry[0] += int(n)
            if value is not None:
                entry[1][int(value)] = entry[1].get(int(value), 0) + int(n)
        document = {
            unit: {
                qid: [given, [[v, spread[v]] for v in sorted(spread)]]
                for qid, (given, spread) in sorted(questions.items())
            }
            for unit, questions in sorted(per_unit.items())
        }
        bind.execute(sa.insert(counts).values(round_id=round_id, counts=document))


def downgrade() -> None:
    op.drop_table('survey_round_counts')
