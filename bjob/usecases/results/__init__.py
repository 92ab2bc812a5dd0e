"""What a job produced: gathered and tallied (gather.py), its input joined to it for what
is missing and what to submit again (reconcile.py), the retry file written (retryfile.py),
the folder downloaded (download.py); the job's files on S3 as every reader sees them
(jobfiles.py)."""
