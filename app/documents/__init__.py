"""Documents generated from the record: PDFs of notices, agendas, packets, minutes, votes and resolutions."""
