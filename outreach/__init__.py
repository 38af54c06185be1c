"""Library Outreach: a public library's own data turned into social-media outreach."""

__version__ = "0.1.0"
