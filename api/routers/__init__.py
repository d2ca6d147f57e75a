"""One router module per resource; :data:`api.app.ROUTER_MODULES` lists them in mount order."""
