"""Exchange with other systems: a client's record as a FHIR Bundle for the practice's EHR."""
