"""The graph layer: model, IRI minting, RDF writer and store backends. Imports nothing of ours."""
