"""MapFanOut's Lambda code: produce or unmarshal the list to fan out, and log one item."""
