"""One router module per page group (see ``integritas.web.app.ROUTE_MODULES``)."""
