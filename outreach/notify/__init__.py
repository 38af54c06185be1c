"""E-mail: people told when something needs them, and "lupa kata sandi" links.

- `mailer`: one message through the library's SMTP server (the standard library's `smtplib`).
- `outbox`: mail is queued in the database (`OutboxMail`) and sent with retries, so a down mail
  server never holds up publishing or a page; the clock sends the queue.
- `prefs`: which kinds of notification exist, who gets them, each person's choices and language.
- `texts`: the mails' words, as templates translated like the web pages.
- `gather`: the notification pass (clock, `outreach notify --once`): accounts to reconnect,
  failed or missed posts, posts awaiting approval, the weekly summary; each fact is told to each
  person once (`Notice`).

Without OUTREACH_SMTP_HOST nothing is queued or sent and the rest of the service works as before.
"""
