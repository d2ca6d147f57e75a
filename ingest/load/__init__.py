"""Jobs run on a store after RDF is loaded into it (``tcmkg load``)."""
