"""RecordTransfer's Lambda code: seed the table with the records the workflow transfers."""
