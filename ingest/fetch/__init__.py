"""Fetching literature from the live services (PubMed E-utilities, ClinicalTrials.gov API v2)
and keeping a store in sync with saved queries. These need internet access; tests replay the
services' answers from a local server."""
