"""ImageDownloader's Lambda code: split a request into batches, download a batch into S3, consolidate results."""
