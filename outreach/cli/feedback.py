"""`outreach feedback`: the public's comments and questions, for the reference desk, until (and
beside) the web inbox."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from outreach.cli.base import app, command, out, ready
from outreach.db import session_scope

feedback_app = typer.Typer(help="Comments and questions from the public on our posts.",
                           no_args_is_help=True)
app.add_typer(feedback_app, name="feedback")


@feedback_app.command("list")
@command
def feedback_list(
    status: Annotated[str, typer.Option("--status", help="new, answered, not_relevant or all")]
    = "new",
    questions: Annotated[bool, typer.Option("--questions", help="Only questions.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON array.")] = False,
) -> None:
    """List comments, questions first (new ones by default)."""
    from outreach.engagement.feedback import inbox

    settings = ready()
    with session_scope(settings.database_url) as session:
        items = inbox(session, settings, status=None if status == "all" else status,
                      questions_only=questions, limit=500)
    if as_json:
        print(json.dumps([i.as_dict(settings) for i in items], ensure_ascii=False, indent=1))
        return
    table = Table("id", "platform", "author", "comment", "on post", "status")
    for i in items:
        mark = "? " if i.is_question else ""
        table.add_row(str(i.id), i.platform, i.author, mark + i.text, i.post_text[:40], i.status)
    out.print(table)


@feedback_app.command("mark")
@command
def feedback_mark(
    feedback_id: Annotated[int, typer.Argument(help="Comment id (see `feedback list`).")],
    status: Annotated[str, typer.Argument(help="answered, not_relevant or new")],
    note: Annotated[str | None, typer.Option("--note", help="What was done.")] = None,
) -> None:
    """Mark a comment answered or not relevant (or new again)."""
    from outreach.engagement.feedback import mark

    settings = ready()
    with session_scope(settings.database_url) as session:
        item = mark(session, feedback_id, status, "cli", note)
        out.print(f"Comment {item.id} is now {item.status}.")


@feedback_app.command("reply")
@command
def feedback_reply(
    feedback_id: Annotated[int, typer.Argument(help="Comment id (see `feedback list`).")],
    text: Annotated[str, typer.Argument(help="The reply, sent in public as the account.")],
) -> None:
    """Reply to a comment on its platform as the account (Facebook, Instagram, X), and mark it
    answered."""
    from outreach.engagement.replies import send_reply

    settings = ready()
    with session_scope(settings.database_url) as session:
        reply = send_reply(session, settings, feedback_id, text, "cli")
        out.print(f"Reply sent to comment {feedback_id} ({reply.platform}, id {reply.remote_id}); "
                  "the comment is now answered.")
