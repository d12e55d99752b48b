"""`orchable demo`: the course builder pipeline run end to end."""
