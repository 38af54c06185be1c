"""`outreach accounts check`: a live check of each connected account (token, permissions, and
for Instagram whether an image URL opens as Instagram would fetch it)."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from outreach.cli.base import Fail, app, command, out, ready
from outreach.db import session_scope

accounts_app = typer.Typer(help="Check the connected platform accounts.", no_args_is_help=True)
app.add_typer(accounts_app, name="accounts")


@accounts_app.command("check")
@command
def check(
    account: Annotated[str | None, typer.Argument(help="An account's id or name; default: "
                                                  "every account.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list, one object per "
                                          "account.")] = False,
) -> None:
    """Ask each platform whether the account's token works and has the permissions the service
    needs; for Instagram, also open a test image URL from the configured media store (without
    cookies, as Instagram would). Exit 0 when every account is fine, 1 when one has a problem."""
    from outreach.desk.account_check import NoSuchAccount, check_accounts, select_accounts
    from outreach.platforms import sync_env_accounts

    settings = ready()
    with session_scope() as session:
        sync_env_accounts(session, settings)
        session.commit()
        try:
            accounts = select_accounts(session, account)
        except NoSuchAccount as exc:
            raise Fail(str(exc), code=2) from None
        session.expunge_all()
    results = check_accounts(settings, accounts)
    if as_json:
        out.print_json(json.dumps([r.as_json() for r in results]))
    elif not results:
        out.print("No accounts connected.")
    for r in results if not as_json else []:
        a = r.account
        head = f"{'ok' if r.ok else 'PROBLEM'}  {a.platform}  {a.name} (id {a.id})"
        out.print(head, highlight=False, markup=False)
        if r.identity:
            out.print(f"    token: accepted ({r.identity})", highlight=False, markup=False)
        if r.permissions is not None:
            out.print(f"    permissions: {len(r.permissions['granted'])} granted"
                      + (f", missing {', '.join(r.permissions['missing'])}"
                         if r.permissions["missing"] else ""), highlight=False, markup=False)
        if r.media is not None and r.media.get("url"):
            m = r.media
            out.print(f"    media URL ({m['store']}): {m['url']} -> "
                      f"{m['status'] or 'no answer'} {m['content_type'] or ''}".rstrip(),
                      highlight=False, markup=False)
        for finding in r.problems:
            out.print(f"    - {finding.text}", highlight=False, markup=False)
        for finding in r.notes:
            out.print(f"    note: {finding.text}", highlight=False, markup=False)
    if any(not r.ok for r in results):
        raise typer.Exit(1)
