"""survey round counts: a closed round's answers counted per unit, question and value

Also an index on the answers' round and question, for a round's free texts.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06 12:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RESPONSE_MARKER = '*'


def upgrade() -> None:
    with op.batch_alter_table('survey_answer', schema=None) as batch_op:
        batch_op.create_index('ix_survey_answer_round_question', ['round_id', 'question_id'], unique=False)

    op.create_table('survey_round_counts',
    sa.Column('round_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('counts', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['round_id'], ['survey_round.id'], ),
    sa.PrimaryKeyConstraint('round_id')
    )
    _count_closed_rounds()


def _count_closed_rounds() -> None:
    """Count and sum the answers of every round closed before this revision, as the close does.

    The grouped query of ``storage.survey_counts.count_answers``, one round at a time, in SQL
    that SQLite and PostgreSQL share; the sums over the tree as ``sum_groups`` and
    ``summed_over`` make them, repeated here so that this revision never changes.
    """
    bind = op.get_bind()
    survey_round = sa.table('survey_round', sa.column('id', sa.String), sa.column('closed_at'))
    unit = sa.table('unit', sa.column('id', sa.String), sa.column('parent_id', sa.String))
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
    parents = {str(u): None if p is None else str(p) for u, p in bind.execute(sa.select(unit.c.id, unit.c.parent_id))}
    chains: dict[str, list[str]] = {}
    for unit_id in parents:
        chain, node = [unit_id], parents[unit_id]
        while node is not None and node not in chain:
            chain.append(node)
            node = parents.get(node)
        chains[unit_id] = chain
    has_text = answer.c.text.is_not(None)
    for round_id in closed:
        rows = bind.execute(
            sa.select(answer.c.unit_id, answer.c.question_id, answer.c.value, has_text, sa.func.count())
            .where(answer.c.round_id == round_id)
            .group_by(answer.c.unit_id, answer.c.question_id, answer.c.value, has_text)
        ).all()
        given: dict[str, dict[str, int]] = {}
        values: dict[str, dict[str, dict[int, int]]] = {}
        answering: set[str] = set()
        for unit_id, qid, value, text, n in rows:
            if not (qid == RESPONSE_MARKER or value is not None or text) or str(unit_id) not in chains:
                continue
            answering.add(str(unit_id))
            for group_id in chains[str(unit_id)]:
                mine = given.setdefault(group_id, {})
                mine[str(qid)] = mine.get(str(qid), 0) + int(n)
                spread = values.setdefault(group_id, {}).setdefault(str(qid), {})
                if value is not None:
                    spread[int(value)] = spread.get(int(value), 0) + int(n)
        groups = {
            group_id: {
                qid: [n, *(x for v, k in sorted(values[group_id][qid].items()) for x in (v, k))]
                for qid, n in sorted(questions.items())
            }
            for group_id, questions in sorted(given.items())
        }
        tree = {g: parents[g] for u in sorted(answering) for g in chains[u]}
        bind.execute(sa.insert(counts).values(round_id=round_id, counts={'groups': groups, 'tree': tree}))


def downgrade() -> None:
    op.drop_table('survey_round_counts')
    with op.batch_alter_table('survey_answer', schema=None) as batch_op:
        batch_op.drop_index('ix_survey_answer_round_question')
