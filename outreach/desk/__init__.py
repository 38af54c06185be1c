"""The staff's desk: the use-cases both faces (the CLI and the web UI) call, so that both say the
same thing and enforce the same rules — the queue and its operator actions (`queue`), reading it
page by page (`browse`), editing and moving deliveries (`editing`), manager review (`review`),
starting a post from a title or event (`prefill`), previews (`preview`), the catalogue pages
(`catalogue`), events that changed after their announcement (`changed_events`), template editing
(`template_editing`), platform accounts (`accounts`) and the people who sign in (`users`)."""
