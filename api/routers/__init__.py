"""One router module per resource; :data:`ROUTER_MODULES` lists them in the order they mount."""
