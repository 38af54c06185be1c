"""Page routes by area, one module each (queue, approvals, catalogue, admin, …).

Every module here that defines `router` is included by `outreach.web.app.create_app`.
"""
